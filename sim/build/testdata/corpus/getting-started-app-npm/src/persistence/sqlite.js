// Items kept in a SQLite file under /etc/todos.
module.exports = { init: async () => {}, getItems: async () => [] };
