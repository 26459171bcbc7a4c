package io.github.wsclose;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One {@link CloseMetrics} bound to its own registry, and what the tests read from it: the
 * active gauge, the {@code websocket.closes} series, and the check that every tag of every meter
 * stays in its documented set (docs/metrics.md).
 */
final class CloseMeters {

    /** The documented values of each tag, whatever the input. */
    static final Map<String, Set<String>> TAG_VALUES = Map.of(
            "code", Stream.concat(
                    Arrays.stream(CloseReason.Codes.values()).map(c -> Integer.toString(c.unsignedCode())),
                    Stream.of("3xxx", "4xxx", "other")).collect(Collectors.toUnmodifiableSet()),
            "initiator", Set.of("local", "remote"),
            "clean", Set.of("true", "false"),
            "cause", Arrays.stream(CloseReport.Cause.values()).map(CloseMetrics::tag).collect(Collectors.toUnmodifiableSet()),
            "http", Arrays.stream(CloseReport.HttpVersion.values()).map(CloseReport.HttpVersion::number).collect(Collectors.toUnmodifiableSet()),
            "reason", Arrays.stream(UpgradeRejected.Reason.values()).map(UpgradeRejected.Reason::tag).collect(Collectors.toUnmodifiableSet()));

    /** The tags each meter has. */
    static final Map<String, Set<String>> TAG_KEYS = Map.of(
            CloseMetrics.ACTIVE, Set.of(),
            CloseMetrics.CLOSES, Set.of("code", "initiator", "clean", "cause", "http"),
            CloseMetrics.CLOSE_DURATION, Set.of("initiator", "clean", "cause", "http"),
            CloseMetrics.PING_RTT, Set.of(),
            CloseMetrics.UPGRADES_REJECTED, Set.of("reason"));

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final CloseMetrics handler = CloseMetrics.bindTo(registry);

    /** The value of the {@code websocket.connections.active} gauge. */
    double active() {
        return registry.get(CloseMetrics.ACTIVE).gauge().value();
    }

    /** The count of every {@code websocket.closes} series, by its tags. */
    Map<Map<String, String>, Double> closes() {
        Map<Map<String, String>, Double> series = new LinkedHashMap<>();
        for (Counter counter : registry.find(CloseMetrics.CLOSES).counters()) {
            series.put(tags(counter), counter.count());
        }
        return series;
    }

    /** All closes counted, over every series. */
    double closeCount() {
        return closes().values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * Checks that exactly one close was counted, in one {@code websocket.closes} series and one
     * {@code websocket.close.duration} series with the same tags but the code, and returns its tags.
     */
    Map<String, String> onlyClose() {
        Map<Map<String, String>, Double> closes = closes();
        assertThat(closes.values()).as("websocket.closes series %s", closes).containsExactly(1.0);
        Map<String, String> tags = closes.keySet().iterator().next();
        List<Timer> timers = List.copyOf(registry.find(CloseMetrics.CLOSE_DURATION).timers());
        assertThat(timers).as("websocket.close.duration series").hasSize(1);
        assertThat(timers.get(0).count()).as("close durations recorded").isEqualTo(1);
        Map<String, String> withoutCode = new TreeMap<>(tags);
        withoutCode.remove("code");
        assertThat(tags(timers.get(0))).as("websocket.close.duration tags").isEqualTo(withoutCode);
        return tags;
    }

    /** Checks that every meter has its documented tags, each with a documented value. */
    void assertTagsBounded() {
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            assertThat(TAG_KEYS).as("meters").containsKey(name);
            Map<String, String> tags = tags(meter);
            assertThat(tags.keySet()).as("tags of %s", name).isEqualTo(TAG_KEYS.get(name));
            tags.forEach((key, value) -> assertThat(TAG_VALUES.get(key)).as("values of tag %s of %s", key, name).contains(value));
        }
    }

    /** The tags {@code code}, {@code initiator}, {@code clean} and {@code cause}, in that order, of a connection over HTTP/1.1, as a map. */
    static Map<String, String> closeTags(String code, String initiator, String clean, String cause) {
        return closeTags(code, initiator, clean, cause, CloseReport.HttpVersion.HTTP_1_1);
    }

    /** The tags of a close, as {@link #closeTags(String, String, String, String)}, with {@code http} from {@code version}. */
    static Map<String, String> closeTags(String code, String initiator, String clean, String cause, CloseReport.HttpVersion version) {
        return new TreeMap<>(Map.of("code", code, "initiator", initiator, "clean", clean, "cause", cause, "http", version.number()));
    }

    private static Map<String, String> tags(Meter meter) {
        return meter.getId().getTags().stream().collect(Collectors.toMap(Tag::getKey, Tag::getValue, (a, b) -> b, TreeMap::new));
    }
}
