from atlassian import Confluence
confluence = Confluence(
    url="https://acme.atlassian.net",
    username="bot@acme.io",
    password="ATATT3xFfGF0KK5WwJ7HSBlkMgxbicIzP5RS-3azb94Vvn2xvVej77fkNia7ONDDbyzVOilQPDe67c9EWUWQ8qLgxIGG9MMRjoA5k7UhSuU0um_LCl8rWuM0FqsXukt7LT-EcFsyZYk_TYP0-MzhpSKvXkiy4SAlwuW74uH3yVkLwEMWCsOekX=752107CD",
    cloud=True,
)
