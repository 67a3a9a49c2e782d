mongoose.connect(uri, { user: 'app', pass: 'Mng_pass_11' });
const { password } = req.body;
if (!password) throw new Error('password required');
