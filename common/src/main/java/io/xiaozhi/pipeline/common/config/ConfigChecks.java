package io.xiaozhi.pipeline.common.config;

/**
 * Rules that span several keys of one record (a minimum not above its maximum, a URL required by a
 * chosen mode). A record implementing this is checked after its own keys bound without problems.
 */
public interface ConfigChecks {

    void check(Checker checker);

    /** Reports a broken rule against one key of the record being checked. */
    interface Checker {
        void require(boolean holds, String key, Object value, String rule);
    }
}
