-- OAuth secrets are written with pgp_sym_encrypt(..., 'cipher-algo=aes256'). Every row written before this column
-- existed is AES-128 (pgcrypto's default): it is marked aes128 here, and the oauth component, which holds the key
-- the database does not, re-encrypts it under AES-256 when it first loads the keys (reconcilers/oauth/store.ts,
-- rotateEncryptionKey). pgp_sym_decrypt reads the cipher from the message, so both stay readable meanwhile.
ALTER TABLE "federation"."oauth_credentials" ADD COLUMN "cipher_algo" varchar(20) DEFAULT 'aes128' NOT NULL;--> statement-breakpoint
ALTER TABLE "federation"."oauth_credentials" ALTER COLUMN "cipher_algo" SET DEFAULT 'aes256';
