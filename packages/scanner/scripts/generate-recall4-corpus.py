#!/usr/bin/env python3
# Generates packages/scanner/test/recall4 (held-out CredData-style corpus, written without reading the
# scanner's rules or the earlier corpora). In the file texts below, a line starting with "!!" is a true
# credential line (the marker is stripped); {{kind:n}} is replaced by seeded random characters so every
# value is fake but realistic in shape. Usage: python3 packages/scanner/scripts/generate-recall4-corpus.py
import base64, json, os, random, re, shutil, string, zlib

R = random.Random(20261208)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'recall4')
ALPH = {
    'hex': '0123456789abcdef',
    'HEX': '0123456789ABCDEF',
    'b62': string.ascii_letters + string.digits,
    'b64': string.ascii_letters + string.digits + '+/',
    'b64u': string.ascii_letters + string.digits + '-_',
    'A': string.ascii_uppercase + string.digits,
    'U': string.ascii_uppercase,
    'a': string.ascii_lowercase + string.digits,
    'd': string.digits,
    'b32': string.ascii_uppercase + '234567',
}

def rnd(kind, n):
    return ''.join(R.choice(ALPH[kind]) for _ in range(n))

def b62crc(prefix):
    # GitHub-style token: 30 random base62 + 6 base62 CRC32 checksum
    body = rnd('b62', 30)
    c = zlib.crc32(body.encode()) & 0xffffffff
    digits = ''
    al = string.digits + string.ascii_uppercase + string.ascii_lowercase
    while c:
        c, r = divmod(c, 62)
        digits = al[r] + digits
    return prefix + body + digits.rjust(6, '0')

def jwt():
    h = base64.urlsafe_b64encode(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode()).decode().rstrip('=')
    p = base64.urlsafe_b64encode(json.dumps({'sub': str(R.randint(10**6, 10**7)), 'name': 'svc-deploy', 'iat': 1700000000 + R.randint(0, 10**7)}).encode()).decode().rstrip('=')
    return f'{h}.{p}.{rnd("b64u", 43)}'

def pem_body(lines=6):
    return [rnd('b64', 64) for _ in range(lines)] + [rnd('b64', 40) + '==']

def sub(text):
    text = re.sub(r'\{\{ghp:(\w+)\}\}', lambda m: b62crc(m.group(1) + '_'), text)
    text = re.sub(r'\{\{jwt\}\}', lambda m: jwt(), text)
    # a Basic header carries base64(user:password)
    text = re.sub(r'\{\{basic\}\}', lambda m: base64.b64encode((R.choice(['admin', 'svc-ci', 'grafana', 'deploy', 'api']) + ':' + rnd('b62', 8) + R.choice(['!', '#', '2024', '_x'])).encode()).decode(), text)
    text = re.sub(r'\{\{pem\}\}', lambda m: '\n'.join(pem_body()), text)
    text = re.sub(r'\{\{pemesc\}\}', lambda m: '\\n'.join(pem_body()), text)
    return re.sub(r'\{\{(\w+):(\d+)\}\}', lambda m: rnd(m.group(1), int(m.group(2))), text)

FILES = {}
def f(path, text):
    FILES[path] = text.lstrip('\n')

exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'recall4-files.py')).read())

if os.path.isdir(ROOT):
    for d in ('positives', 'negatives'):
        shutil.rmtree(os.path.join(ROOT, d), ignore_errors=True)
labels = {}
for path, text in FILES.items():
    out, true = [], []
    # substitute first, then strip markers (a {{pem}} expands to several lines)
    lines = []
    for line in text.split('\n'):
        mark = line.startswith('!!')
        body = sub(line[2:] if mark else line)
        parts = body.split('\n')
        for j, p in enumerate(parts):
            lines.append(p)
            if mark and j == 0:
                true.append(len(lines))
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, 'w') as fh:
        fh.write('\n'.join(lines))
    if true:
        assert path.startswith('positives/'), path
        labels[path] = true
with open(os.path.join(ROOT, 'labels.json'), 'w') as fh:
    json.dump({'description': 'Fourth labelled corpus (held-out, CredData-style, written without reading the rules or the earlier corpora; mixed true and false lines per file): file -> true line numbers; every other flagged line is a false positive.', 'labels': labels}, fh, indent=1)
    fh.write('\n')
print(len(FILES), 'files,', sum(len(v) for v in labels.values()), 'true lines')
