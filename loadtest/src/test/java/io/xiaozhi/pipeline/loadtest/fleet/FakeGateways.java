package io.xiaozhi.pipeline.loadtest.fleet;

/** Starts {@link FakeGateway}s for tests outside this package. */
public final class FakeGateways {

    /** A running fake gateway. */
    public static final class Handle implements AutoCloseable {
        private final FakeGateway gateway;

        Handle(FakeGateway gateway) {
            this.gateway = gateway;
        }

        public String url() {
            return gateway.url();
        }

        @Override
        public void close() {
            gateway.close();
        }
    }

    private FakeGateways() {
    }

    /** A fake that answers a turn once the speech of {@code text} (as the fleet encodes it) and two packets of silence have arrived. */
    public static Handle answeringAfterSpeechOf(String text) {
        FakeGateway gateway = new FakeGateway();
        gateway.answerAfterPackets = Utterance.spoken(text).speech().size() + 2;
        return new Handle(gateway);
    }
}
