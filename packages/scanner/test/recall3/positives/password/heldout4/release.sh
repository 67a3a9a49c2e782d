export GPG_PASSPHRASE='Gpg_pass_2291'
export GPG_TTY=$(tty)
