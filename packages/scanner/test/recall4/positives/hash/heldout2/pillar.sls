users:
  deploy:
    password: '$6$rounds=656000$lZzb4afDefR2sDsh$rfw99Sp5qTJLd6pPKIGKX2VwYlC9Vosa9hDbQ0sWP78E3xIF4ceHBHtix1Uhdpm4hyEw4dYLNqHHhUUm0r9gDQ'
    shell: /bin/bash
