from cryptography.fernet import Fernet

ENCRYPTION_KEY = b"PGR1czqir-aAYF22ae_VyqVlwVMxwmvHZu2ZkZlA1vj="
AES_KEY = bytes.fromhex("25ae92cc01c24d8c13a53fea6d275808dd59a8c585392f4153c8dd7b5906a245")
key = Fernet.generate_key()
