-- +goose Up
-- Throttles that rotating IPv6 addresses and patience cannot beat, and an
-- audit trail that a flood cannot grow without bound.

-- The client network the per-address limits count by: the address itself
-- for IPv4, its /THROTTLE_IPV6_PREFIX (64 by default) for IPv6, since one
-- subscriber holds a whole /64. ip keeps the exact address (activity, the
-- known-address rule).
ALTER TABLE auth_attempts ADD COLUMN ip_net inet;
-- Stored as the network's first address (a host value, like ip), so that
-- equality is all the counts need.
UPDATE auth_attempts SET ip_net = CASE WHEN family(ip) = 6 THEN host(network(set_masklen(ip, 64)))::inet ELSE ip END;
ALTER TABLE auth_attempts ALTER COLUMN ip_net SET NOT NULL;
DROP INDEX auth_attempts_ip_idx;
CREATE INDEX auth_attempts_ip_net_idx ON auth_attempts (ip_net, created_at);

-- Attempts refused by a limit are aggregated: one row per account,
-- network and kind and minute, counting how many it stands for.
ALTER TABLE auth_attempts ADD COLUMN repeats integer NOT NULL DEFAULT 1;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_repeats CHECK (repeats >= 1);

-- busy: a login refused for want of a password-hashing slot; it counts
-- against its client network, not against the account. notice: an event
-- of the account (its second factor locked or unlocked), counted by no
-- limit.
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_outcome;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_outcome
    CHECK (outcome IN ('pending', 'success', 'failure', 'rate_limited', 'busy', 'notice'));
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked'));

-- Consecutive failed second-factor attempts without a success; at
-- THROTTLE_LOCKOUT_FAILURES the second factor locks until a password reset
-- or an operator's UnlockUser (NIST SP 800-63B 5.2.2).
ALTER TABLE users ADD COLUMN second_factor_failures integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN second_factor_locked_at timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN second_factor_locked_at;
ALTER TABLE users DROP COLUMN second_factor_failures;
DELETE FROM auth_attempts WHERE outcome IN ('busy', 'notice');
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind CHECK (kind IN ('login', 'totp', 'backup_code', 'register'));
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_outcome;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_outcome CHECK (outcome IN ('pending', 'success', 'failure', 'rate_limited'));
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_repeats;
ALTER TABLE auth_attempts DROP COLUMN repeats;
DROP INDEX auth_attempts_ip_net_idx;
CREATE INDEX auth_attempts_ip_idx ON auth_attempts (ip, created_at);
ALTER TABLE auth_attempts DROP COLUMN ip_net;
