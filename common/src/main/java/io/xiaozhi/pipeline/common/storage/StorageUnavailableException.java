package io.xiaozhi.pipeline.common.storage;

/**
 * A storage backend (the database or Redis) could not be reached when a service started. The
 * message names where it tried to connect (passwords hidden) and why it failed, so that a service
 * can stop with that one line.
 */
public final class StorageUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StorageUnavailableException(String message) {
        super(message);
    }

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
