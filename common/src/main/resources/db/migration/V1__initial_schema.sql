-- Devices, agents and chat history.
--
-- One script for MySQL/MariaDB and for the embedded database (H2 in MariaDB mode): portable types
-- only, no storage-engine clauses. Times are TIMESTAMP(3) (millisecond precision); every TIMESTAMP
-- column states its NULL-ness and default so that no server setting adds implicit ones.
-- DEFAULT CHARSET=utf8mb4 keeps Chinese text and emoji intact on a server or database whose default
-- character set is still latin1 (H2 accepts the clause and stores Unicode anyway).

-- Personas a device talks to: the system prompt, the voice and the provider chosen per stage.
-- A NULL provider or voice means "the service default from config.yaml".
CREATE TABLE agents (
    id            VARCHAR(64)  NOT NULL,
    name          VARCHAR(128) NOT NULL,
    system_prompt TEXT         NOT NULL,
    voice         VARCHAR(128) NULL,
    asr_provider  VARCHAR(64)  NULL,
    llm_provider  VARCHAR(64)  NULL,
    tts_provider  VARCHAR(64)  NULL,
    vllm_provider VARCHAR(64)  NULL,
    created_at    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at    TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id)
) DEFAULT CHARSET=utf8mb4;

-- One row per device, keyed by the MAC address it reports (Device-Id header).
-- activation_code is set while the device waits to be bound and cleared when bound_at is set.
CREATE TABLE devices (
    id               VARCHAR(64)  NOT NULL,
    client_id        VARCHAR(128) NULL,
    agent_id         VARCHAR(64)  NULL,
    activation_code  VARCHAR(32)  NULL,
    bound_at         TIMESTAMP(3) NULL DEFAULT NULL,
    firmware_version VARCHAR(64)  NULL,
    board            VARCHAR(128) NULL,
    last_seen_at     TIMESTAMP(3) NULL DEFAULT NULL,
    created_at       TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    CONSTRAINT fk_devices_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE SET NULL
) DEFAULT CHARSET=utf8mb4;

CREATE INDEX idx_devices_activation_code ON devices (activation_code);

-- Conversation turns with the time each stage took (milliseconds, NULL when the stage did not run
-- or was not measured). No foreign key to devices: history is written on every turn and outlives
-- the removal of a device.
CREATE TABLE chat_history (
    id                 BIGINT       NOT NULL AUTO_INCREMENT,
    device_id          VARCHAR(64)  NOT NULL,
    session_id         VARCHAR(64)  NOT NULL,
    turn_id            VARCHAR(64)  NOT NULL,
    role               VARCHAR(16)  NOT NULL,
    content            TEXT         NOT NULL,
    created_at         TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    asr_ms             INT          NULL,
    llm_first_token_ms INT          NULL,
    llm_ms             INT          NULL,
    tts_first_audio_ms INT          NULL,
    total_ms           INT          NULL,
    PRIMARY KEY (id),
    CONSTRAINT ck_chat_history_role CHECK (role IN ('user', 'assistant', 'tool'))
) DEFAULT CHARSET=utf8mb4;

CREATE INDEX idx_chat_history_device_created ON chat_history (device_id, created_at);
