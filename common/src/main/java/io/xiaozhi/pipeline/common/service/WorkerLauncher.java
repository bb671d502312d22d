package io.xiaozhi.pipeline.common.service;

import io.xiaozhi.pipeline.common.Stage;
import io.xiaozhi.pipeline.common.config.ServiceBootstrap;
import io.xiaozhi.pipeline.common.config.Settings;
import io.xiaozhi.pipeline.common.kafka.KafkaClients;
import io.xiaozhi.pipeline.common.kafka.TopicProvisioner;
import io.xiaozhi.pipeline.common.kafka.Topics;
import io.xiaozhi.pipeline.common.runtime.StageRuntime;
import java.time.Duration;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a worker: its topics (idempotently), its {@link Worker} from the module's factory, and the
 * stage runtime around the worker's handler. {@link #main} is the whole life of a worker process;
 * {@link #start} is for a process that runs several parts (the standalone server, tests).
 */
public final class WorkerLauncher {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerLauncher.class);

    /** A started worker: close it to stop taking work, finish what is in flight and release the worker. */
    public static final class RunningWorker implements AutoCloseable {

        private final Stage stage;
        private final StageRuntime runtime;
        private final Worker worker;

        RunningWorker(Stage stage, StageRuntime runtime, Worker worker) {
            this.stage = stage;
            this.runtime = runtime;
            this.worker = worker;
        }

        public Stage stage() {
            return stage;
        }

        public StageRuntime runtime() {
            return runtime;
        }

        public Worker worker() {
            return worker;
        }

        @Override
        public void close() {
            runtime.close();
            try {
                worker.close();
            } catch (Exception e) {
                LOG.warn("{} worker: closing failed: {}", stage.id(), e.toString());
            }
        }
    }

    private WorkerLauncher() {
    }

    /** The service name of a stage's worker: {@code asr-worker}, {@code llm-worker}, ... */
    public static String serviceName(Stage stage) {
        return stage.id() + "-worker";
    }

    /** Provisions the pipeline's topics, builds the worker and starts its stage runtime. */
    public static RunningWorker start(Stage stage, ServiceContext context, WorkerFactory factory) throws Exception {
        Settings settings = context.settings();
        provisionTopics(context.service(), settings);
        Worker worker = factory.create(context);
        StageRuntime runtime;
        try {
            runtime = StageRuntime.builder(stage, worker.handler())
                    .settings(settings)
                    .meterRegistry(context.meters())
                    .serviceName(context.service())
                    .build();
            runtime.start();
        } catch (RuntimeException e) {
            worker.close();
            throw e;
        }
        return new RunningWorker(stage, runtime, worker);
    }

    static void provisionTopics(String service, Settings settings) {
        KafkaClients clients = new KafkaClients(settings.config().kafka(), service);
        try (Admin admin = clients.admin()) {
            new TopicProvisioner(admin, Duration.ofSeconds(30)).ensure(new Topics(settings.config().kafka()).pipelineTopics());
        }
    }

    /**
     * The life of a worker process: settings (exit 2 on a bad one), the service host (metrics), the
     * worker, and a shutdown hook that stops it gracefully. Exits 1 if the worker cannot start.
     */
    public static void main(Stage stage, String[] args, WorkerFactory factory) {
        String service = serviceName(stage);
        Settings settings = ServiceBootstrap.loadOrExit(service, args);
        ServiceHost host;
        try {
            host = ServiceHost.start(service, settings);
        } catch (Exception e) {
            LOG.error("{}: cannot open the metrics listener on {}:{}: {}", service, settings.config().metrics().host(),
                    settings.config().metrics().port(), e.toString());
            System.exit(1);
            return;
        }
        ServiceContext context = ServiceContext.of(service, settings, host.registry());
        RunningWorker running;
        try {
            running = start(stage, context, factory);
        } catch (Exception e) {
            LOG.error("{}: cannot start: {}", service, e.getMessage(), e);
            context.close();
            host.close();
            System.exit(1);
            return;
        }
        // /health answers 200 only while the stage's consumers run
        host.healthCheck(running.runtime()::running);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("{}: stopping", service);
            running.close();
            context.close();
            host.close();
            LOG.info("{}: stopped", service);
        }, service + "-shutdown"));
        LOG.info("{} {} started", service, host.instance());
    }
}
