# ~/.bashrc
export PATH="$HOME/bin:$PATH"
export GITLAB_TOKEN=glpat-qv8piyYh9amsYyOBDTHp
export NPM_TOKEN=npm_QgeffnfXIY8w42fMvEbkDCMZqzwle3GmP6d7
alias proddb='mysql -h db.internal -u admin -pMy5CjLFCCuHmRjK app'
