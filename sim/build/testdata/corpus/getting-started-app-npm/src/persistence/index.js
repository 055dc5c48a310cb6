module.exports = process.env.MYSQL_HOST ? require('./mysql') : require('./sqlite');
