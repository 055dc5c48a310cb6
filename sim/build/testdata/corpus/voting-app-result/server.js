const express = require('express');
const app = express();
// Show the current tally of votes.
app.get('/', (req, res) => res.send('results'));
app.listen(process.env.PORT || 80);
