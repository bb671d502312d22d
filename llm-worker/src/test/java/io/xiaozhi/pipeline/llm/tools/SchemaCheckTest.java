package io.xiaozhi.pipeline.llm.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SchemaCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static final String SCHEMA = """
            {"type": "object",
             "properties": {
               "volume": {"type": "integer", "minimum": 0, "maximum": 100},
               "mode": {"type": "string", "enum": ["soft", "loud"]},
               "ratio": {"type": "number"},
               "mute": {"type": "boolean"},
               "options": {"type": "object", "properties": {"fade": {"type": "boolean"}}, "required": ["fade"]}},
             "required": ["volume"]}""";

    @Test
    void argumentsThatFitPass() throws Exception {
        assertThat(SchemaCheck.problem(json(SCHEMA), json("{\"volume\": 50}"))).isEmpty();
        assertThat(SchemaCheck.problem(json(SCHEMA), json("{\"volume\": 50.0, \"mode\": \"soft\", \"ratio\": 0.5, \"mute\": false,"
                + " \"options\": {\"fade\": true}, \"extra\": 1}"))).isEmpty();
        assertThat(SchemaCheck.problem(null, json("{}"))).isEmpty();
    }

    @Test
    void eachViolationIsNamed() throws Exception {
        JsonNode schema = json(SCHEMA);
        assertThat(SchemaCheck.problem(schema, json("{}"))).hasValueSatisfying(p -> assertThat(p).contains("required property 'volume'"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": \"loud\"}")))
                .hasValueSatisfying(p -> assertThat(p).contains("arguments.volume must be of type integer"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": 5.5}"))).hasValueSatisfying(p -> assertThat(p).contains("integer"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": 150}"))).hasValueSatisfying(p -> assertThat(p).contains("at most 100"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": -1}"))).hasValueSatisfying(p -> assertThat(p).contains("at least 0"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": 1, \"mode\": \"medium\"}")))
                .hasValueSatisfying(p -> assertThat(p).contains("one of"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": 1, \"mute\": \"no\"}")))
                .hasValueSatisfying(p -> assertThat(p).contains("boolean"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": 1, \"ratio\": \"half\"}")))
                .hasValueSatisfying(p -> assertThat(p).contains("number"));
        assertThat(SchemaCheck.problem(schema, json("{\"volume\": 1, \"options\": {}}")))
                .hasValueSatisfying(p -> assertThat(p).contains("arguments.options lacks the required property 'fade'"));
        assertThat(SchemaCheck.problem(schema, json("[1]"))).hasValueSatisfying(p -> assertThat(p).contains("JSON object"));
    }

    @Test
    void closedObjectsRefuseUnknownProperties() throws Exception {
        JsonNode schema = json("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"}},\"additionalProperties\":false}");
        assertThat(SchemaCheck.problem(schema, json("{\"a\":\"x\"}"))).isEmpty();
        assertThat(SchemaCheck.problem(schema, json("{\"b\":1}"))).hasValueSatisfying(p -> assertThat(p).contains("'b'"));
    }
}
