-- +goose Up
-- Every replica of the auth service, and through it every sibling's cache
-- of validations, learns at once when a live session ends or changes its
-- token: revoked, rotated (refresh, step-up) or deleted with its user.
-- NOTIFY is transactional: listeners hear of it when the change commits.

-- +goose StatementBegin
CREATE FUNCTION notify_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_at IS NOT NULL OR OLD.expires_at <= now() OR OLD.idle_expires_at <= now() THEN
        RETURN NULL; -- it was already dead: nobody can hold it as valid
    END IF;
    IF TG_OP = 'DELETE'
       OR NEW.revoked_at IS NOT NULL
       OR NEW.token_hash IS DISTINCT FROM OLD.token_hash
       OR NEW.aal IS DISTINCT FROM OLD.aal THEN
        PERFORM pg_notify('auth_session_changed', OLD.id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sessions_notify_changed
AFTER UPDATE OR DELETE ON sessions
FOR EACH ROW EXECUTE FUNCTION notify_session_changed();

-- +goose Down
DROP TRIGGER sessions_notify_changed ON sessions;
DROP FUNCTION notify_session_changed();
