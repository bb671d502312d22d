package io.xiaozhi.pipeline.common.storage;

import io.xiaozhi.pipeline.common.config.ServiceConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and as whom to connect over JDBC, resolved from {@code database} in {@code config.yaml}.
 *
 * <p>For {@code kind: mysql} that is the configured URL, user name and password, unchanged (a
 * local MariaDB without TLS needs {@code sslMode=disable} in the URL; that is the user's call).
 * For {@code kind: embedded} it is an H2 file database at {@code <data dir>/db/xiaozhi} in MariaDB
 * compatibility mode with lower-case identifiers, so that the migrations written for MariaDB run
 * on it unchanged; the configured URL and credentials are not used.
 *
 * <p>{@link #toString()} and {@link #redactedUrl()} never show the password, including one written
 * into the URL as a {@code password=} parameter or as {@code user:password@}.
 */
public record JdbcTarget(ServiceConfig.DatabaseKind kind, String url, String username, String password) {

    /** H2 settings that make the embedded database accept the MariaDB migrations. */
    static final String EMBEDDED_OPTIONS = ";MODE=MariaDB;DATABASE_TO_LOWER=TRUE";

    static final String EMBEDDED_USER = "sa";

    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)((?:password|pwd)=)[^&;]*");
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/@:?;]*:)[^/@?;]*@");

    public JdbcTarget {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(url, "url");
        username = username == null ? "" : username;
        password = password == null ? "" : password;
    }

    /** The target for {@code database}; {@code dataDir} locates the embedded database. */
    public static JdbcTarget of(ServiceConfig.Database database, Path dataDir) {
        return switch (database.kind()) {
            case MYSQL -> new JdbcTarget(database.kind(), database.url(), database.username(), database.password());
            case EMBEDDED -> new JdbcTarget(database.kind(), embeddedUrl(dataDir), EMBEDDED_USER, "");
        };
    }

    /** The H2 file (without H2's {@code .mv.db} suffix) that holds the embedded database. */
    public static Path embeddedFile(Path dataDir) {
        return dataDir.resolve("db").resolve("xiaozhi").toAbsolutePath().normalize();
    }

    static String embeddedUrl(Path dataDir) {
        String file = embeddedFile(dataDir).toString();
        if (file.indexOf(';') >= 0) {
            throw new IllegalArgumentException("the data directory must not contain ';' (H2 reads it as a URL separator): " + file);
        }
        return "jdbc:h2:file:" + file + EMBEDDED_OPTIONS;
    }

    /** The URL with any password in it replaced by {@code (hidden)}. */
    public String redactedUrl() {
        return redact(url);
    }

    /** {@code text} with the URL replaced by its redacted form and the password by {@code (hidden)}. */
    String scrub(String text) {
        if (text == null) {
            return "";
        }
        String scrubbed = url.isEmpty() ? text : text.replace(url, redactedUrl());
        return password.isEmpty() ? scrubbed : scrubbed.replace(password, "(hidden)");
    }

    /** Whether {@code text} shows a secret that {@link #scrub} would hide. */
    boolean reveals(String text) {
        return text != null && !scrub(text).equals(text);
    }

    static String redact(String url) {
        String hidden = PASSWORD_PARAMETER.matcher(url).replaceAll("$1(hidden)");
        return USER_INFO_PASSWORD.matcher(hidden).replaceAll("$1(hidden)@");
    }

    @Override
    public String toString() {
        return redactedUrl() + (username.isEmpty() ? "" : " as user '" + username + "'");
    }
}
