package io.xiaozhi.pipeline.common.storage;

/**
 * A {@link KeyValueStore} call failed: the store did not answer within the timeout, the connection
 * was lost, or the key holds the wrong kind of value. The message names the operation and the key.
 */
public final class KeyValueStoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KeyValueStoreException(String message) {
        super(message);
    }

    public KeyValueStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
