package io.xiaozhi.pipeline.common.storage;

import java.util.Objects;

/**
 * A MySQL/MariaDB server tests may create databases on: a JDBC URL (its database part is replaced
 * per test database), credentials with rights to create and drop databases, and where it came from
 * (the environment variable or the container), which failure messages name. {@link #toString()}
 * hides the password.
 */
public record MysqlServer(String url, String username, String password, String source) {

    public MysqlServer {
        Objects.requireNonNull(url, "url");
        username = username == null ? "" : username;
        password = password == null ? "" : password;
        Objects.requireNonNull(source, "source");
    }

    /**
     * {@link #url()} pointing at {@code database} instead: the path after {@code host:port/} is
     * replaced, the query (for example {@code ?sslMode=disable}) kept.
     */
    public String urlFor(String database) {
        int authority = url.indexOf("//");
        if (authority < 0) {
            throw new IllegalArgumentException("not a jdbc:<driver>://host/database URL: " + JdbcTarget.redact(url));
        }
        int query = url.indexOf('?', authority + 2);
        int end = query < 0 ? url.length() : query;
        int slash = url.indexOf('/', authority + 2);
        int pathStart = slash < 0 || slash > end ? end : slash;
        return url.substring(0, pathStart) + "/" + database + url.substring(end);
    }

    /** The URL (password hidden) and the user. */
    public String describe() {
        return JdbcTarget.redact(url) + (username.isEmpty() ? "" : " as user '" + username + "'");
    }

    @Override
    public String toString() {
        return describe() + " (" + source + ")";
    }
}
