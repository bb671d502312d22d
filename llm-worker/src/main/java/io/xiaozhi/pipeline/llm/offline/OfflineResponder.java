package io.xiaozhi.pipeline.llm.offline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.xiaozhi.pipeline.common.runtime.StageContext;
import io.xiaozhi.pipeline.common.runtime.StageException;
import io.xiaozhi.pipeline.llm.model.ChatListener;
import io.xiaozhi.pipeline.llm.model.ChatMessage;
import io.xiaozhi.pipeline.llm.model.ChatModel;
import io.xiaozhi.pipeline.llm.model.ChatRequest;
import io.xiaozhi.pipeline.llm.model.FinishReason;
import io.xiaozhi.pipeline.llm.model.ToolCall;
import io.xiaozhi.pipeline.llm.model.ToolSpec;
import io.xiaozhi.pipeline.llm.tools.ServerTools;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for a language model when none is configured (the embedded default), and says so. It
 * understands a few requests in English and Chinese: greetings and wake words, goodbye (it ends the
 * conversation with the {@code end_conversation} tool), the time, the date and day, simple
 * arithmetic, and the device's volume and screen brightness (through the device's own
 * {@code …set_volume} and {@code …set_brightness} tools, with arguments shaped by their input schema;
 * "louder" and "dimmer" read the current level with {@code …get_device_status} first), and "what do
 * you see" through the device's camera ({@code …take_photo} with the user's words as the question;
 * it then says the vision model's answer). Anything else gets: "I can't answer that without a
 * language model configured."
 *
 * <p>It works through the same interface and tool loop as a real model: it streams its text in small
 * pieces and calls tools by the names it was offered, then phrases the tool's answer.
 */
public final class OfflineResponder implements ChatModel {

    static final String UNKNOWN_EN = "I can't answer that without a language model configured.";
    static final String UNKNOWN_ZH = "没有配置语言模型，我回答不了这个问题。";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PIECE_CHARS = 4;
    private static final Pattern HAN = Pattern.compile("\\p{IsHan}");
    private static final Pattern ABSOLUTE_EN = Pattern.compile("(?:\\bto|\\bat|volume|brightness)\\s+(\\d+)|(\\d+)\\s*(?:%|percent)");
    private static final Pattern ABSOLUTE_ZH = Pattern.compile("(?:到|成|为|至)\\s*(?:百分之)?(\\d+)|百分之(\\d+)|(\\d+)\\s*%");
    private static final Set<String> GREETINGS = Set.of("hello", "hi", "hey", "hello there", "hi there", "hey there", "hello xiaozhi",
            "hi xiaozhi", "hey xiaozhi", "hi esp", "hey esp", "good morning", "good afternoon", "good evening", "你好", "您好", "你好小智",
            "你好小志", "小智", "小志", "嗨", "哈喽", "小爱同学", "早上好", "下午好", "晚上好", "嗨小智");
    private static final List<String> GOODBYES = List.of("goodbye", "good bye", "bye", "see you", "that's all", "good night",
            "再见", "拜拜", "晚安", "退下", "回头见");

    private static final List<String> LOOK_EN = List.of("what do you see", "what can you see", "take a photo", "take a picture",
            "look at", "what is in front of you", "what's in front of you", "what am i holding", "describe what you see");
    private static final List<String> LOOK_ZH = List.of("拍照", "拍张照", "拍个照", "看看", "看到什么", "看见什么", "这是什么", "前面有什么");
    private static final String CAMERA_TOOL_SUFFIX = "take_photo";

    /** What a device setting is called and how to find its tools. */
    private enum Setting {
        VOLUME("volume", "set_volume", "音量", List.of("volume", "louder", "quieter", "softer", "turn it up", "turn it down"),
                List.of("音量", "声音", "大声", "小声", "大点声", "小点声"),
                List.of("up", "louder", "increase", "raise", "higher", "大", "高", "增"),
                List.of("down", "quieter", "softer", "lower", "decrease", "reduce", "小", "低", "减", "降")),
        BRIGHTNESS("brightness", "set_brightness", "亮度", List.of("brightness", "brighter", "dimmer", "darker"),
                List.of("亮度", "亮一点", "暗一点", "调亮", "调暗", "屏幕"),
                List.of("brighter", "up", "increase", "raise", "higher", "亮", "高", "增"),
                List.of("dimmer", "darker", "down", "lower", "decrease", "reduce", "暗", "低", "减", "降"));

        final String english;
        final String toolSuffix;
        final String chinese;
        final List<String> wordsEn;
        final List<String> wordsZh;
        final List<String> up;
        final List<String> down;

        Setting(String english, String toolSuffix, String chinese, List<String> wordsEn, List<String> wordsZh, List<String> up,
                List<String> down) {
            this.english = english;
            this.toolSuffix = toolSuffix;
            this.chinese = chinese;
            this.wordsEn = wordsEn;
            this.wordsZh = wordsZh;
            this.up = up;
            this.down = down;
        }

        boolean mentionedIn(String text) {
            return wordsEn.stream().anyMatch(word -> containsPhrase(text, word)) || wordsZh.stream().anyMatch(text::contains);
        }
    }

    /** What to say and, maybe, which tool to call. */
    private record Reply(String text, ToolCall call) {
        static Reply say(String text) {
            return new Reply(text, null);
        }
    }

    private final Clock clock;
    private final ZoneId zone;

    public OfflineResponder(Clock clock, ZoneId zone) {
        this.clock = clock;
        this.zone = zone;
    }

    @Override
    public String describe() {
        return "offline responder (no language model)";
    }

    @Override
    public FinishReason stream(ChatRequest request, ChatListener listener, StageContext context) {
        if (context.cancelled()) {
            throw new StageException("llm offline responder: the turn was cancelled or the attempt timed out", true);
        }
        List<ChatMessage> messages = request.messages();
        int lastUser = -1;
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role() == ChatMessage.Role.USER) {
                lastUser = i;
            }
        }
        String said = lastUser < 0 ? "" : messages.get(lastUser).content();
        boolean chinese = HAN.matcher(said).find();
        List<ChatMessage> since = lastUser < 0 ? List.of() : messages.subList(lastUser + 1, messages.size());
        Reply reply = since.isEmpty() ? answer(said, chinese, request.tools(), messages)
                : followUp(said, chinese, since, request.tools(), messages);
        emit(reply.text(), listener);
        if (reply.call() != null) {
            listener.onToolCall(reply.call());
            return FinishReason.TOOL_CALLS;
        }
        return FinishReason.STOP;
    }

    private Reply answer(String said, boolean zh, List<ToolSpec> tools, List<ChatMessage> messages) {
        String text = normalise(said);
        if (GOODBYES.stream().anyMatch(phrase -> containsPhrase(text, phrase))) {
            Optional<ToolSpec> end = tool(tools, ServerTools.END_CONVERSATION);
            return end.isPresent() ? new Reply("", call(messages, end.get().name(), JSON.createObjectNode()))
                    : Reply.say(zh ? "再见！" : "Goodbye!");
        }
        if (asksTime(text)) {
            ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
            return Reply.say(zh ? String.format(Locale.ROOT, "现在是%d点%02d分。", now.getHour(), now.getMinute())
                    : String.format(Locale.ROOT, "It's %d:%02d.", now.getHour(), now.getMinute()));
        }
        if (asksDate(text)) {
            ZonedDateTime now = ZonedDateTime.now(clock.withZone(zone));
            return Reply.say(zh ? String.format(Locale.ROOT, "今天是%d年%d月%d日，%s。", now.getYear(), now.getMonthValue(), now.getDayOfMonth(),
                    now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.CHINESE))
                    : "Today is " + now.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + ", "
                    + now.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + now.getDayOfMonth() + ", " + now.getYear() + ".");
        }
        if (LOOK_EN.stream().anyMatch(phrase -> containsPhrase(text, phrase)) || LOOK_ZH.stream().anyMatch(text::contains)) {
            return look(said, zh, tools, messages);
        }
        for (Setting setting : Setting.values()) {
            if (setting.mentionedIn(text)) {
                return adjust(setting, text, zh, tools, messages);
            }
        }
        Optional<Arithmetic.Result> sum = Arithmetic.evaluate(said);
        if (sum.isPresent()) {
            if (sum.get() instanceof Arithmetic.Result.Value value) {
                String number = Arithmetic.format(value.value());
                return Reply.say(zh ? "答案是" + number + "。" : "The answer is " + number + ".");
            }
            return Reply.say(zh ? "不能除以零。" : "I can't divide by zero.");
        }
        if (GREETINGS.contains(text)) {
            return Reply.say(zh ? "😊 你好！我是小智。现在没有配置语言模型，我只能报时间和日期、算简单的算术、调音量和亮度。"
                    : "😊 Hello! I'm Xiaozhi. Without a language model configured, I can tell the time and date, "
                    + "do simple arithmetic, and set the volume or brightness.");
        }
        return Reply.say("🤔 " + (zh ? UNKNOWN_ZH : UNKNOWN_EN));
    }

    /**
     * A request to look: the device's camera tool ({@code …take_photo}) with the user's words as its
     * question, for the vision model to answer.
     */
    private Reply look(String said, boolean zh, List<ToolSpec> tools, List<ChatMessage> messages) {
        Optional<ToolSpec> camera = toolEndingWith(tools, CAMERA_TOOL_SUFFIX);
        if (camera.isEmpty()) {
            return Reply.say(zh ? "这个设备没有我能用的摄像头。" : "This device has no camera I can use.");
        }
        JsonNode properties = camera.get().parameters().path("properties");
        String field = properties.has("question") ? "question" : null;
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            if (field == null && property.getValue().path("type").asText().equals("string")) {
                field = property.getKey();
            }
        }
        ObjectNode arguments = JSON.createObjectNode();
        if (field != null) {
            arguments.put(field, said.strip());
        }
        return new Reply("", call(messages, camera.get().name(), arguments));
    }

    /** The camera's answer: the vision endpoint's JSON ({@code response} or {@code message}), or the text as it is. */
    private static Reply reportPhoto(String result, boolean failed, boolean zh) {
        String raw = result.startsWith("Error:") ? result.substring("Error:".length()).strip() : result.strip();
        String answer = detail(result);
        boolean ok = !failed;
        try {
            JsonNode json = JSON.readTree(raw);
            if (json != null && json.isObject()) {
                ok = ok && json.path("success").asBoolean(true);
                answer = json.hasNonNull("response") ? json.path("response").asText() : json.path("message").asText(answer);
            }
        } catch (IOException notJson) {
            // a device that answers in plain text: say what it said
        }
        if (!ok || answer.isBlank()) {
            return Reply.say(zh ? "抱歉，我没能看清：" + answer : "Sorry, I couldn't see anything: " + answer);
        }
        return Reply.say(answer);
    }

    /** A volume or brightness request: an absolute level, or up or down from the current one. */
    private Reply adjust(Setting setting, String text, boolean zh, List<ToolSpec> tools, List<ChatMessage> messages) {
        Optional<ToolSpec> set = toolEndingWith(tools, setting.toolSuffix);
        if (set.isEmpty()) {
            return Reply.say(zh ? "这个设备没有我能调的" + setting.chinese + "。" : "This device has no " + setting.english + " control I can use.");
        }
        Optional<Integer> level = absoluteLevel(text, zh);
        if (level.isPresent()) {
            return setLevel(setting, set.get(), level.get(), zh, messages);
        }
        Optional<ToolSpec> status = toolEndingWith(tools, "get_device_status");
        if (status.isEmpty()) {
            return Reply.say(zh ? "我读不到现在的" + setting.chinese + "，请告诉我一个0到100的数字。"
                    : "I can't read the current " + setting.english + " on this device; tell me a number from 0 to 100.");
        }
        return new Reply("", call(messages, status.get().name(), JSON.createObjectNode()));
    }

    private Reply setLevel(Setting setting, ToolSpec set, int level, boolean zh, List<ChatMessage> messages) {
        Optional<ObjectNode> arguments = levelArguments(set.parameters(), setting.english, level);
        if (arguments.isEmpty()) {
            return Reply.say(zh ? "这个设备的" + setting.chinese + "工具的参数我看不懂。"
                    : "I don't understand the arguments of this device's " + setting.english + " tool.");
        }
        return new Reply("", call(messages, set.name(), arguments.get()));
    }

    /** After a tool call: phrase its answer, or take the next step. */
    private Reply followUp(String said, boolean zh, List<ChatMessage> since, List<ToolSpec> tools, List<ChatMessage> messages) {
        ChatMessage asked = null;
        for (ChatMessage message : since) {
            if (message.role() == ChatMessage.Role.ASSISTANT && !message.toolCalls().isEmpty()) {
                asked = message;
            }
        }
        if (asked == null) {
            return answer(said, zh, tools, messages);
        }
        ToolCall call = asked.toolCalls().get(0);
        String result = "";
        for (ChatMessage message : since) {
            if (message.role() == ChatMessage.Role.TOOL && message.toolCallId().equals(call.id())) {
                result = message.content();
            }
        }
        boolean failed = result.startsWith("Error:");
        if (call.name().equals(ServerTools.END_CONVERSATION)) {
            return Reply.say(zh ? "再见！" : "Goodbye! Talk to you soon.");
        }
        if (call.name().endsWith(CAMERA_TOOL_SUFFIX)) {
            return reportPhoto(result, failed, zh);
        }
        String text = normalise(said);
        for (Setting setting : Setting.values()) {
            if (call.name().endsWith(setting.toolSuffix)) {
                return reportSet(setting, call, result, failed, zh);
            }
            if (call.name().endsWith("get_device_status") && setting.mentionedIn(text)) {
                return stepFromStatus(setting, text, result, failed, zh, tools, messages);
            }
        }
        return Reply.say(failed ? (zh ? "抱歉，没有成功：" : "Sorry, that didn't work: ") + detail(result) : (zh ? "好的，完成了。" : "Done."));
    }

    private Reply reportSet(Setting setting, ToolCall call, String result, boolean failed, boolean zh) {
        if (failed) {
            return Reply.say(zh ? "抱歉，" + setting.chinese + "没有调成功：" + detail(result) : "Sorry, I couldn't set the " + setting.english
                    + ": " + detail(result));
        }
        String level = "";
        try {
            Iterator<JsonNode> values = JSON.readTree(call.argumentsJson()).elements();
            while (values.hasNext()) {
                JsonNode value = values.next();
                if (value.isNumber()) {
                    level = value.asText();
                }
            }
        } catch (IOException e) {
            // the arguments were checked before the call; without a level the reply is still right
        }
        if (level.isEmpty()) {
            return Reply.say(zh ? "好的，" + setting.chinese + "调好了。" : "OK, the " + setting.english + " is set.");
        }
        return Reply.say(zh ? "好的，" + setting.chinese + "已经调到" + level + "。" : "OK, the " + setting.english + " is now " + level + ".");
    }

    private Reply stepFromStatus(Setting setting, String text, String status, boolean failed, boolean zh, List<ToolSpec> tools,
                                 List<ChatMessage> messages) {
        Optional<Integer> current = failed ? Optional.empty() : findLevel(status, setting.english);
        Optional<ToolSpec> set = toolEndingWith(tools, setting.toolSuffix);
        if (current.isEmpty() || set.isEmpty()) {
            return Reply.say(zh ? "抱歉，我读不到现在的" + setting.chinese + "。" : "Sorry, I couldn't read the current " + setting.english + ".");
        }
        String request = text.replace("小智", "").replace("小志", "");
        boolean down = setting.down.stream().anyMatch(word -> containsPhrase(request, word));
        int step = down ? -10 : 10;
        return setLevel(setting, set.get(), current.get() + step, zh, messages);
    }

    /** Arguments for a level tool: the numeric property named like the setting (or the only one), clamped to its bounds. */
    static Optional<ObjectNode> levelArguments(JsonNode schema, String settingName, int level) {
        JsonNode properties = schema.path("properties");
        String chosen = null;
        JsonNode chosenSchema = null;
        int numeric = 0;
        for (Map.Entry<String, JsonNode> property : properties.properties()) {
            String type = property.getValue().path("type").asText("");
            if (!type.equals("integer") && !type.equals("number")) {
                continue;
            }
            numeric++;
            if (chosen == null || property.getKey().toLowerCase(Locale.ROOT).contains(settingName)) {
                chosen = property.getKey();
                chosenSchema = property.getValue();
            }
        }
        if (chosen == null || (numeric > 1 && !chosen.toLowerCase(Locale.ROOT).contains(settingName))) {
            return Optional.empty();
        }
        int value = level;
        if (chosenSchema.path("minimum").isNumber()) {
            value = Math.max(value, chosenSchema.get("minimum").asInt());
        }
        if (chosenSchema.path("maximum").isNumber()) {
            value = Math.min(value, chosenSchema.get("maximum").asInt());
        }
        ObjectNode arguments = JSON.createObjectNode();
        arguments.put(chosen, value);
        return Optional.of(arguments);
    }

    private static Optional<Integer> absoluteLevel(String text, boolean zh) {
        Matcher matcher = (zh ? ABSOLUTE_ZH : ABSOLUTE_EN).matcher(text);
        if (!matcher.find()) {
            return Optional.empty();
        }
        for (int group = 1; group <= matcher.groupCount(); group++) {
            if (matcher.group(group) != null) {
                try {
                    return Optional.of(Integer.parseInt(matcher.group(group)));
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** The first number named {@code field} anywhere in a JSON status. */
    private static Optional<Integer> findLevel(String status, String field) {
        try {
            JsonNode found = JSON.readTree(status).findValue(field);
            return found != null && found.isNumber() ? Optional.of(found.asInt()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code text} holds {@code phrase}: as whole words for Latin script, anywhere for Chinese. */
    static boolean containsPhrase(String text, String phrase) {
        if (HAN.matcher(phrase).find()) {
            return text.contains(phrase);
        }
        return (" " + text + " ").contains(" " + phrase + " ");
    }

    private static boolean asksTime(String text) {
        return text.contains("what time") || text.contains("time is it") || text.contains("the time") || text.contains("current time")
                || text.contains("几点") || text.contains("什么时间") || text.contains("现在时间") || text.contains("时间是");
    }

    private static boolean asksDate(String text) {
        return text.contains("what day") || text.contains("the date") || text.contains("which day") || text.contains("what is today")
                || text.contains("today's date") || text.contains("几号") || text.contains("星期几") || text.contains("礼拜几")
                || text.contains("日期") || text.contains("哪天") || text.contains("什么日子");
    }

    /** Lower case, spoken numbers as digits, punctuation as spaces, spaces collapsed. */
    static String normalise(String said) {
        String text = SpokenNumbers.chineseToDigits(SpokenNumbers.englishToDigits(SpokenNumbers.lower(said.strip())));
        return text.replaceAll("[\\p{P}&&[^%'.]]+", " ").replaceAll("[.](?!\\d)", " ").replaceAll("\\s+", " ").strip();
    }

    private static Optional<ToolSpec> tool(List<ToolSpec> tools, String name) {
        return tools.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    private static Optional<ToolSpec> toolEndingWith(List<ToolSpec> tools, String suffix) {
        return tools.stream().filter(t -> t.name().endsWith(suffix)).findFirst();
    }

    /** A tool call with an id not used before in this conversation. */
    private static ToolCall call(List<ChatMessage> messages, String name, ObjectNode arguments) {
        long previous = messages.stream().mapToLong(m -> m.toolCalls().size()).sum();
        return new ToolCall("call_offline_" + (previous + 1), name, arguments.toString());
    }

    private static String detail(String result) {
        String text = result.startsWith("Error:") ? result.substring("Error:".length()).strip() : result.strip();
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }

    /** Streams {@code text} in small pieces, as a model would. */
    private static void emit(String text, ChatListener listener) {
        int i = 0;
        while (i < text.length()) {
            int end = text.offsetByCodePoints(i, Math.min(PIECE_CHARS, text.codePointCount(i, text.length())));
            listener.onText(text.substring(i, end));
            i = end;
        }
    }
}
