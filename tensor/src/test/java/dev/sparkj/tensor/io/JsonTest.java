package dev.sparkj.tensor.io;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test
    void parsesEveryValueKind() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, true, false, null], \"s\": \"x\\\"\\\\\\n\\u00e9\\ud83d\\ude00\", \"big\": 18446744073709551616} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "s", "big"), List.copyOf(m.keySet()));
        assertEquals(java.util.Arrays.asList(1L, -2L, 3.5, 1000.0, true, false, null), m.get("a"));
        assertEquals("x\"\\\né😀", m.get("s"));
        assertEquals(BigInteger.ONE.shiftLeft(64), m.get("big"));
    }

    @Test
    void writesWhatItReads() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k", List.of(1L, 2.5, "q\"\n\u0001", true));
        m.put("n", null);
        String s = Json.write(m);
        assertEquals("{\"k\":[1,2.5,\"q\\\"\\n\\u0001\",true],\"n\":null}", s);
        assertEquals(m, Json.parse(s));
    }

    @Test
    void reportsWhereTheTextIsBad() {
        for (String bad : new String[] {"{", "[1,]", "{\"a\" 1}", "01", "\"abc", "tru", "{} x", "[1 2]", "\"\\q\""}) {
            Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().contains("at character"), e.getMessage());
        }
        assertThrows(Json.ParseException.class, () -> Json.parse("[".repeat(1000)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
    }
}
