const app = require('express')();
app.get('/health', (req, res) => res.send('ok'));
app.listen(8080);
