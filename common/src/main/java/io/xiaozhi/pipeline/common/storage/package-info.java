/**
 * Storage factories: the relational database (devices, agents, chat history) through HikariCP with
 * Flyway migrations, and the key-value store for short-lived state (sessions, cancellations, rate
 * limits, recent history) on Redis through Lettuce or in process.
 *
 * <p>{@link io.xiaozhi.pipeline.common.storage.DataSources} opens the pool,
 * {@link io.xiaozhi.pipeline.common.storage.Migrations} brings the schema up to date, and
 * {@link io.xiaozhi.pipeline.common.storage.KeyValueStores} picks the key-value store the
 * configuration names.
 */
package io.xiaozhi.pipeline.common.storage;
