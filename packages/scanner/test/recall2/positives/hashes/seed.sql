INSERT INTO users (id, email, password_hash) VALUES
  (1, 'admin@acme.test', '$2b$12$0.4WoEqYgFdXiZFkbyWzDic4haGiS6xG21ZExU9E.Dj56aBsBtc97'),
  (2, 'ops@acme.test', '$6$LhgS5M9Nfdt6L1UE$NIbHcV/YslE3g.hrjK8ygxnOQlaEG4LvwHgR06W4TgVFN6p/pABAsCGOC8Q6z5eX.q6KA3CY1XW.1/gjfbOlor');
UPDATE accounts SET pw = '$1$AXtXQv1V$4EvIL2R5O8GLXWxUypCEMQ' WHERE id = 3;
