const express = require('express');
const app = express();
const db = require('./persistence');

app.use(express.json());
app.use(express.static(__dirname + '/static'));

app.get('/items', async (req, res) => res.send(await db.getItems()));

db.init().then(() => {
    app.listen(3000, () => console.log('Listening on port 3000'));
});
