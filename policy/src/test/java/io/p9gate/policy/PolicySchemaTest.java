package io.p9gate.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/policy.schema.json in step with the loader: every sample policy (which the loader
 * accepts, see SamplePoliciesTest) must fit the schema's keys, required keys and enums. A small walker
 * over the subset of JSON Schema the file uses ($ref, properties, additionalProperties, items, enum,
 * required) stands in for a full validator, which the project does not depend on.
 */
class PolicySchemaTest {

    private static final JsonNode SCHEMA = read();

    private static JsonNode read() {
        try {
            return new ObjectMapper().readTree(Files.readString(Path.of("..", "docs", "policy.schema.json")));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everySampleFitsTheSchema() throws Exception {
        List<Path> samples;
        try (Stream<Path> s = Files.list(Path.of("..", "policies"))) {
            samples = s.filter(
                            p -> p.toString().endsWith(".yaml") && !p.toString().endsWith(".tests.yaml"))
                    .toList();
        }
        assertFalse(samples.isEmpty());
        for (Path p : samples) {
            List<String> problems = new ArrayList<>();
            check(new YAMLMapper().readTree(p.toFile()), SCHEMA, "$", problems);
            assertEquals(List.of(), problems, p.toString());
        }
    }

    /** The annotated example under "## Format" in docs/policy.md shows every VM and share key: it must fit too. */
    @Test
    void theFormatExampleOfTheDocsFitsTheSchema() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "policy.md"));
        int format = doc.indexOf("\n## Format\n");
        assertTrue(format >= 0, "docs/policy.md has no '## Format' section");
        int start = doc.indexOf("```yaml\n", format) + "```yaml\n".length();
        String yaml = doc.substring(start, doc.indexOf("```", start));
        List<String> problems = new ArrayList<>();
        check(new YAMLMapper().readTree(yaml), SCHEMA, "$", problems);
        assertEquals(List.of(), problems);
    }

    @Test
    void theWalkerCatchesAKeyTheSchemaDoesNotKnow() throws Exception {
        JsonNode doc = new YAMLMapper()
                .readTree(
                        "image: x\nvms:\n  a:\n    listen: unix:/x\n    shares:\n      s: {path: /srv, read_only: [/a]}\n");
        List<String> problems = new ArrayList<>();
        check(doc, SCHEMA, "$", problems);
        assertEquals(List.of("$.vms.a.shares.s: unknown key read_only"), problems);
    }

    @Test
    void theShareSettingsForTheHostAreInTheSchema() throws Exception {
        JsonNode doc = new YAMLMapper()
                .readTree(
                        "image: x\nvms:\n  a:\n    listen: unix:/x\n    shares:\n"
                                + "      s: {path: /srv, devices: mapped, permissions: enforce}\n      t: {path: /t, devices: real}\n");
        List<String> problems = new ArrayList<>();
        check(doc, SCHEMA, "$", problems);
        assertEquals(List.of("$.vms.a.shares.t.devices: \"real\" not in [\"refuse\",\"mapped\"]"), problems);
    }

    private static JsonNode resolve(JsonNode schema) {
        while (schema.has("$ref"))
            schema = SCHEMA.at(schema.get("$ref").asText().substring(1));
        return schema;
    }

    private static void check(JsonNode value, JsonNode schemaIn, String at, List<String> problems) {
        JsonNode schema = resolve(schemaIn);
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) found |= e.asText().equals(value.asText());
            if (!found) problems.add(at + ": " + value + " not in " + schema.get("enum"));
        }
        if (value.isObject()) {
            if (schema.has("required")) {
                for (JsonNode r : schema.get("required"))
                    if (!value.has(r.asText())) problems.add(at + ": missing " + r.asText());
            }
            for (Map.Entry<String, JsonNode> e : value.properties()) {
                JsonNode props = schema.get("properties");
                JsonNode extra = schema.get("additionalProperties");
                if (props != null && props.has(e.getKey())) {
                    check(e.getValue(), props.get(e.getKey()), at + "." + e.getKey(), problems);
                } else if (extra != null && extra.isObject()) {
                    check(e.getValue(), extra, at + "." + e.getKey(), problems);
                } else {
                    problems.add(at + ": unknown key " + e.getKey());
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++)
                check(value.get(i), schema.get("items"), at + "[" + i + "]", problems);
        }
    }
}
