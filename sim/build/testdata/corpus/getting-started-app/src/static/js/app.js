// The todo list's browser code.
document.getElementById('root').textContent = 'Todo App';
