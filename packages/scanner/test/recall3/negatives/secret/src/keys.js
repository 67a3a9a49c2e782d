const key = 'user_id';
const keyboard = { layout: 'qwerty' };
const tokenizer = new Tokenizer({ lowercase: true });
const authorName = 'Jane Doe';
const secretName = 'db-credentials';
const sortKey = (a, b) => a.key.localeCompare(b.key);
