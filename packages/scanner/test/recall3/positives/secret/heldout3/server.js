app.use(session({ secret: 'RalyrotIBhkVqM5gkLCu1hAd', resave: false }));
passport.use(new GitHubStrategy({ clientID: 'Iv1.1820f473195d339a', clientSecret: '9a0de5551be5f86918af66618f6c5f6c621da44a' }, verify));
const fallback = process.env.SESSION_SECRET || 'keyboard cat';
