-- +goose Up
-- The revocation feed also reports users whose sessions now vouch for
-- something else: MFA turned on or off (a sibling must then refuse, or
-- stop refusing, that user's aal1 sessions) or a new email. The payload
-- is "user:<id>", beside the bare session ids of migration 0003, on the
-- same channel, so that one LISTEN per replica hears both in commit order.

-- +goose StatementBegin
CREATE FUNCTION notify_user_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('auth_session_changed', 'user:' || NEW.id::text);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_notify_changed
AFTER UPDATE OF mfa_enabled, email ON users
FOR EACH ROW
WHEN (OLD.mfa_enabled IS DISTINCT FROM NEW.mfa_enabled OR OLD.email IS DISTINCT FROM NEW.email)
EXECUTE FUNCTION notify_user_changed();

-- +goose Down
DROP TRIGGER users_notify_changed ON users;
DROP FUNCTION notify_user_changed();
