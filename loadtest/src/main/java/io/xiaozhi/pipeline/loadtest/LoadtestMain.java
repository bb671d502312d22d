package io.xiaozhi.pipeline.loadtest;

import io.xiaozhi.pipeline.loadtest.fleet.Fleet;
import io.xiaozhi.pipeline.loadtest.fleet.FleetReport;
import io.xiaozhi.pipeline.loadtest.fleet.FleetSettings;
import io.xiaozhi.pipeline.loadtest.fleet.GatewayMetrics;
import io.xiaozhi.pipeline.loadtest.fleet.Slo;
import io.xiaozhi.pipeline.loadtest.fleet.Utterance;
import io.xiaozhi.pipeline.loadtest.providers.ProviderSimulator;
import io.xiaozhi.pipeline.loadtest.providers.SimulatorSettings;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code loadtest fleet | providers}: the performance tester's command line.
 * <ul>
 *   <li>{@code fleet}: simulated ESP32 devices speaking the real protocol to a gateway, measured per turn;
 *       see {@link Fleet}.</li>
 *   <li>{@code providers}: an OpenAI-compatible provider simulator, for benchmarks only; see
 *       {@link ProviderSimulator}.</li>
 * </ul>
 * Exit codes: 0 done (and the SLOs met), 1 the run failed, 2 bad arguments, 3 an SLO was not met.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "xiaozhi-pipeline loadtest",
        description = "The xiaozhi pipeline's performance tester: a fleet of simulated devices, and a provider simulator for benchmarks.",
        subcommands = {LoadtestMain.FleetCommand.class, LoadtestMain.ProvidersCommand.class})
public final class LoadtestMain implements Callable<Integer> {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_SLO_NOT_MET = 3;

    private final PrintStream out;
    private final PrintStream err;

    LoadtestMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line and answers its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        LoadtestMain main = new LoadtestMain(out, err);
        CommandLine cmd = new CommandLine(main, new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == FleetCommand.class) {
                    return cls.cast(new FleetCommand(main));
                }
                if (cls == ProvidersCommand.class) {
                    return cls.cast(new ProvidersCommand(main));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        });
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        cmd.registerConverter(Duration.class, new Durations.DurationConverter());
        cmd.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                err.println("loadtest: " + e.getMessage());
                return EXIT_BAD_INPUT;
            }
            err.println("loadtest: " + e);
            return EXIT_FAILED;
        });
        return cmd.execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(out);
        return EXIT_BAD_INPUT;
    }

    /** {@code fleet}: see {@link Fleet}. */
    @Command(name = "fleet", mixinStandardHelpOptions = true,
            description = "Simulated ESP32 devices speaking the real protocol (OTA, hello, listen, real Opus speech at real-time pace), "
                    + "measuring each turn; exits 3 when a given SLO is not met.")
    static final class FleetCommand implements Callable<Integer> {
        private final LoadtestMain main;

        @Option(names = "--url", defaultValue = "ws://127.0.0.1:8000/xiaozhi/v1/", description = "the gateway's WebSocket URL (default: ${DEFAULT-VALUE})")
        URI url;
        @Option(names = "--ota", description = "call this OTA endpoint first and connect where it says, e.g. http://host:8003/xiaozhi/ota/")
        URI ota;
        @Option(names = "--token", defaultValue = "", description = "bearer token for the WebSocket (an OTA answer's token wins)")
        String token;
        @Option(names = {"-n", "--devices"}, defaultValue = "10", description = "devices (default: ${DEFAULT-VALUE})")
        int devices;
        @Option(names = "--protocol-version", defaultValue = "1", description = "binary framing 1, 2 or 3 (default: ${DEFAULT-VALUE})")
        int protocolVersion;
        @Option(names = "--mode", defaultValue = "auto", description = "auto (the server's VAD ends the utterance) or manual (listen stop)")
        String mode;
        @Option(names = "--ramp", defaultValue = "0s", description = "start the devices evenly over this time (default: ${DEFAULT-VALUE})")
        Duration ramp;
        @Option(names = "--duration", defaultValue = "0s", description = "keep starting turns this long after the ramp; 0 = until the turns are done")
        Duration duration;
        @Option(names = "--turns-per-device", defaultValue = "0", description = "turns per device; 0 = until the duration is over")
        int turnsPerDevice;
        @Option(names = "--think-time", defaultValue = "2s", description = "pause between turns (default: ${DEFAULT-VALUE})")
        Duration thinkTime;
        @Option(names = "--turn-timeout", defaultValue = "30s", description = "no tts stop this long after the end of speech: a timeout (default: ${DEFAULT-VALUE})")
        Duration turnTimeout;
        @Option(names = "--text", defaultValue = "What time is it?", description = "what the devices say, spoken by FreeTTS (default: ${DEFAULT-VALUE})")
        String text;
        @Option(names = "--silence", defaultValue = "1s", description = "silence after the speech in auto mode; stops when the server answers (default: ${DEFAULT-VALUE})")
        Duration silence;
        @Option(names = "--late-threshold", defaultValue = "65ms", description = "a frame this late after its 60 ms slot is late (default: ${DEFAULT-VALUE})")
        Duration lateThreshold;
        @Option(names = "--device-prefix", defaultValue = "02:1a:7e", description = "first three bytes of the devices' ids (default: ${DEFAULT-VALUE})")
        String devicePrefix;
        @Option(names = "--json", description = "write the report as JSON here")
        Path json;
        @Option(names = "--html", description = "write the report as a self-contained HTML page here")
        Path html;
        @Option(names = "--slo-p99-first-audio", description = "SLO: p99 of end of speech to first audio at most this, e.g. 1500ms")
        Duration sloFirstAudio;
        @Option(names = "--slo-late-frames", converter = Durations.ShareConverter.class, description = "SLO: late frames at most this share, e.g. 0.5%")
        Double sloLateFrames;
        @Option(names = "--slo-max-errors", description = "SLO: at most this many errors (error and timeout turns, failed connections)")
        Long sloMaxErrors;
        @Option(names = "--slo-p99-busy", description = "SLO: p99 of end of speech to a busy answer at most this, e.g. 200ms")
        Duration sloBusy;
        @Option(names = "--slo-p99-overhead", description = "SLO: p99 of the pipeline's overhead (needs --gateway-metrics) at most this, e.g. 100ms")
        Duration sloOverhead;
        @Option(names = "--gateway-metrics", split = ",", description = "the gateways' Prometheus /metrics URLs, read before and after the run"
                + " for the pipeline's overhead (first audio less provider time), e.g. http://127.0.0.1:8000/metrics")
        List<URI> gatewayMetrics = new ArrayList<>();

        FleetCommand(LoadtestMain main) {
            this.main = main;
        }

        @Override
        public Integer call() throws Exception {
            if (!mode.equals("auto") && !mode.equals("manual")) {
                throw new IllegalArgumentException("--mode must be auto or manual, not " + mode);
            }
            FleetSettings settings = new FleetSettings(url, ota, token, devices, protocolVersion, mode.equals("manual"), ramp, duration,
                    turnsPerDevice, thinkTime, turnTimeout, silence, lateThreshold, devicePrefix);
            Slo slo = new Slo(sloFirstAudio, sloLateFrames, sloMaxErrors, sloBusy, sloOverhead);
            main.out.println("loadtest fleet: encoding the utterance \"" + text + "\"");
            Utterance utterance = Utterance.spoken(text);
            main.out.printf("loadtest fleet: %d devices, %.1f s of speech each turn, to %s%n", devices, utterance.seconds(),
                    ota != null ? ota : url);
            GatewayMetrics gateways = gatewayMetrics.isEmpty() ? null
                    : new GatewayMetrics(gatewayMetrics, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build());
            if (gateways != null) {
                gateways.before();
            }
            Fleet.Result result = Fleet.run(settings, utterance, main.out);
            if (gateways != null) {
                GatewayMetrics.Delta delta = gateways.after();
                result = result.withGateway(delta);
                main.out.printf(Locale.ROOT, "loadtest fleet: gateways measured %d turns: pipeline overhead p50 %.0f ms p95 %.0f ms p99 %.0f ms"
                                + " (first audio p50 %.0f ms p99 %.0f ms)%n", delta.overhead().count(), delta.overhead().quantileMs(0.5),
                        delta.overhead().quantileMs(0.95), delta.overhead().quantileMs(0.99), delta.firstAudio().quantileMs(0.5),
                        delta.firstAudio().quantileMs(0.99));
                StringBuilder segments = new StringBuilder("loadtest fleet: where the time went (p50 / p99 ms):");
                delta.segments().forEach((name, buckets) -> segments.append(String.format(Locale.ROOT, " %s %.0f / %.0f", name,
                        buckets.quantileMs(0.5), buckets.quantileMs(0.99))));
                main.out.println(segments);
            }
            List<Slo.Check> checks = slo.check(result.stats(), result.gateway());
            if (json != null) {
                Files.writeString(json, FleetReport.jsonText(result, checks), StandardCharsets.UTF_8);
                main.out.println("loadtest fleet: JSON report " + json);
            }
            if (html != null) {
                Files.writeString(html, FleetReport.html(result, checks), StandardCharsets.UTF_8);
                main.out.println("loadtest fleet: HTML report " + html);
            }
            boolean met = true;
            for (Slo.Check check : checks) {
                (check.met() ? main.out : main.err).println("SLO " + check);
                met &= check.met();
            }
            return met ? EXIT_OK : EXIT_SLO_NOT_MET;
        }
    }

    /** {@code providers}: see {@link ProviderSimulator}. */
    @Command(name = "providers", mixinStandardHelpOptions = true,
            description = "An OpenAI-compatible provider SIMULATOR, FOR BENCHMARKS ONLY: fixed answers after simulated delays "
                    + "(transcriptions, chat completions with streaming, speech as a tone, vision), with injected errors; "
                    + "what it served and the simulated provider time at /stats.")
    static final class ProvidersCommand implements Callable<Integer> {
        private final LoadtestMain main;

        @Option(names = "--host", defaultValue = "0.0.0.0", description = "address to listen on (default: ${DEFAULT-VALUE})")
        String host;
        @Option(names = "--port", defaultValue = "8090", description = "port; the API is under /v1 (default: ${DEFAULT-VALUE})")
        int port;
        @Option(names = "--asr-ms", defaultValue = "300", description = "mean transcription time in ms (default: ${DEFAULT-VALUE})")
        double asrMs;
        @Option(names = "--jitter", defaultValue = "0.2", description = "every delay is drawn uniformly from mean × (1 ± jitter) (default: ${DEFAULT-VALUE})")
        double jitter;
        @Option(names = "--asr-text", defaultValue = SimulatorSettings.DEFAULT_ASR_TEXT, description = "the transcription (default: ${DEFAULT-VALUE})")
        String asrText;
        @Option(names = "--llm-first-token-ms", defaultValue = "400", description = "mean time to the first token in ms (default: ${DEFAULT-VALUE})")
        double llmFirstTokenMs;
        @Option(names = "--llm-tokens-per-s", defaultValue = "30", description = "tokens per second after the first (default: ${DEFAULT-VALUE})")
        double llmTokensPerSecond;
        @Option(names = "--llm-answer", defaultValue = SimulatorSettings.DEFAULT_LLM_ANSWER, description = "the chat answer, one word per token")
        String llmAnswer;
        @Option(names = "--vision-ms", defaultValue = "800", description = "mean time to answer a request with an image in ms (default: ${DEFAULT-VALUE})")
        double visionMs;
        @Option(names = "--vision-answer", defaultValue = SimulatorSettings.DEFAULT_VISION_ANSWER, description = "the answer to a request with an image")
        String visionAnswer;
        @Option(names = "--tts-rtf", defaultValue = "0.1", description = "speech production time over speech duration (default: ${DEFAULT-VALUE})")
        double ttsRtf;
        @Option(names = "--tts-chars-per-s", defaultValue = "15", description = "speaking rate that sets the speech's duration (default: ${DEFAULT-VALUE})")
        double ttsCharsPerSecond;
        @Option(names = "--tts-tone-hz", defaultValue = "440", description = "the tone spoken; 0 = silence (default: ${DEFAULT-VALUE})")
        double toneHz;
        @Option(names = "--error-rate-429", defaultValue = "0", description = "share of requests answered 429 (default: ${DEFAULT-VALUE})")
        double errorRate429;
        @Option(names = "--error-rate-500", defaultValue = "0", description = "share of requests answered 500 (default: ${DEFAULT-VALUE})")
        double errorRate500;
        @Option(names = "--max-threads", defaultValue = "1000", description = "requests served at once (default: ${DEFAULT-VALUE})")
        int maxThreads;

        ProvidersCommand(LoadtestMain main) {
            this.main = main;
        }

        @Override
        public Integer call() throws InterruptedException {
            SimulatorSettings settings = new SimulatorSettings(host, port, asrMs, jitter, asrText, llmFirstTokenMs, llmTokensPerSecond,
                    llmAnswer, visionMs, visionAnswer, ttsRtf, ttsCharsPerSecond, toneHz, errorRate429, errorRate500, maxThreads);
            CountDownLatch stopped = new CountDownLatch(1);
            ProviderSimulator simulator = ProviderSimulator.start(settings);
            main.out.println("loadtest providers: SIMULATOR for benchmarks only, base_url http://" + host + ":" + simulator.port()
                    + "/v1, figures at /stats; Ctrl-C to stop");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                simulator.close();
                stopped.countDown();
            }, "simulator-stop"));
            stopped.await();
            return EXIT_OK;
        }
    }

}
