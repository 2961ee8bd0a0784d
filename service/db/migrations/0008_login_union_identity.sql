-- Hand-written (drizzle-kit does not manage functions): the first login of a person whose session has a
-- unionid (account rule 3). Concurrent first logins of one person in two apps must end with one user, so the
-- look-up of the person's identity in another app has to run after the person's advisory lock, in a
-- snapshot taken after it. A VOLATILE function takes a fresh snapshot for each statement it runs, so the
-- code login's one statement (accounts/identities.ts) calls it when the identity is unknown, and the lock
-- is held until that statement's transaction ends. A first login with a unionid is then one statement, as
-- one without: a transaction of BEGIN, the lock with this look-up, and COMMIT took three more exchanges.
--
-- Under the lock: link the new identity to the user of the person's identity in another app if there is
-- one (locking that users row first, the order of db/locks.ts, and only if it is active), else create the
-- user when p_create. Answers the user row with what was done: linked, created, or blocked (the sibling is
-- not active: nothing written); no row when nothing was found and creating is off. A concurrent first login
-- in the same app fails on the (appid, openid) unique index, and the caller's retry finds its identity.
CREATE FUNCTION login_union_identity(
  p_lock_key text,
  p_unionid text,
  p_appid text,
  p_openid text,
  p_connection text,
  p_session_key_enc text,
  p_now timestamptz,
  p_user_id text,
  p_identity_id text,
  p_create boolean
) RETURNS TABLE (account users, outcome text) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(p_lock_key));
  RETURN QUERY
  WITH sibling AS (
    SELECT u, u.id, u.status FROM users u
    WHERE u.id = (SELECT i.user_id FROM wechat_identities i WHERE i.unionid = p_unionid LIMIT 1)
    FOR UPDATE
  ), created AS (
    INSERT INTO users AS u (id, login_count, last_login_at, created_at, updated_at)
    SELECT p_user_id, 1, p_now, p_now, p_now
    WHERE p_create AND NOT EXISTS (SELECT 1 FROM sibling)
    RETURNING u, u.id
  ), identity AS (
    INSERT INTO wechat_identities AS i
      (id, user_id, connection, appid, openid, unionid, session_key_enc, created_at, updated_at)
    SELECT p_identity_id, owner.id, p_connection, p_appid, p_openid, p_unionid, p_session_key_enc, p_now, p_now
    FROM (SELECT s.id FROM sibling s WHERE s.status = 'active' UNION ALL SELECT c.id FROM created c) owner
    RETURNING i.user_id
  ), linked AS (
    UPDATE users AS u SET login_count = u.login_count + 1, last_login_at = p_now
    FROM sibling s JOIN identity ON identity.user_id = s.id
    WHERE u.id = s.id
    RETURNING u
  )
  SELECT l.u, 'linked' FROM linked l
  UNION ALL SELECT c.u, 'created' FROM created c
  UNION ALL SELECT s.u, 'blocked' FROM sibling s WHERE s.status <> 'active';
END $$;
