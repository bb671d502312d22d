package io.xiaozhi.pipeline.common.service;

/**
 * Builds a stage's {@link Worker} from what the service offers. A provider that cannot be set up
 * (a model that does not load, a misconfigured endpoint) throws, naming the {@code config.yaml} key.
 */
@FunctionalInterface
public interface WorkerFactory {

    Worker create(ServiceContext context) throws Exception;
}
