require('dotenv').config();
const app = require('express')();
app.get('/api', (req, res) => res.json({ ok: true }));
app.listen(3000);
