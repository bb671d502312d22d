package io.xiaozhi.pipeline.llm.offline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Numbers written as words, turned into digits: English ({@code twenty five}, {@code one hundred and
 * five}, as a speech recogniser writes them) and Chinese ({@code 十二}, {@code 一百零五}, {@code 两千}).
 * Up to 999,999; other text is kept as it is.
 */
final class SpokenNumbers {

    private static final Map<String, Integer> SMALL = Map.ofEntries(
            Map.entry("zero", 0), Map.entry("one", 1), Map.entry("two", 2), Map.entry("three", 3), Map.entry("four", 4),
            Map.entry("five", 5), Map.entry("six", 6), Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9),
            Map.entry("ten", 10), Map.entry("eleven", 11), Map.entry("twelve", 12), Map.entry("thirteen", 13),
            Map.entry("fourteen", 14), Map.entry("fifteen", 15), Map.entry("sixteen", 16), Map.entry("seventeen", 17),
            Map.entry("eighteen", 18), Map.entry("nineteen", 19), Map.entry("twenty", 20), Map.entry("thirty", 30),
            Map.entry("forty", 40), Map.entry("fifty", 50), Map.entry("sixty", 60), Map.entry("seventy", 70),
            Map.entry("eighty", 80), Map.entry("ninety", 90));
    private static final Pattern WORD = Pattern.compile("[a-z]+");
    private static final String CHINESE_DIGITS = "零〇一二两三四五六七八九";
    private static final int[] CHINESE_VALUES = {0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9};

    private SpokenNumbers() {
    }

    /** {@code text} (lower case) with English number words replaced by digits; everything else is kept as it is. */
    static String englishToDigits(String text) {
        List<int[]> words = new ArrayList<>();
        Matcher matcher = WORD.matcher(text);
        while (matcher.find()) {
            words.add(new int[] {matcher.start(), matcher.end()});
        }
        StringBuilder out = new StringBuilder(text.length());
        int copied = 0;
        int i = 0;
        while (i < words.size()) {
            if (!isNumberWord(word(text, words.get(i)))) {
                i++;
                continue;
            }
            long total = 0;
            long current = 0;
            int last = i;
            for (int j = i; j < words.size(); j++) {
                if (j > i && !text.substring(words.get(j - 1)[1], words.get(j)[0]).matches("[ -]+")) {
                    break;
                }
                String token = word(text, words.get(j));
                if (SMALL.containsKey(token)) {
                    current += SMALL.get(token);
                } else if (token.equals("hundred")) {
                    current = (current == 0 ? 1 : current) * 100;
                } else if (token.equals("thousand")) {
                    total += (current == 0 ? 1 : current) * 1000;
                    current = 0;
                } else if (token.equals("and") && j + 1 < words.size() && SMALL.containsKey(word(text, words.get(j + 1)))
                        && total + current >= 100) {
                    continue; // "one hundred and five"
                } else {
                    break;
                }
                last = j;
            }
            out.append(text, copied, words.get(i)[0]).append(total + current);
            copied = words.get(last)[1];
            i = last + 1;
        }
        return out.append(text.substring(copied)).toString();
    }

    private static String word(String text, int[] span) {
        return text.substring(span[0], span[1]);
    }

    private static boolean isNumberWord(String token) {
        return SMALL.containsKey(token) || token.equals("hundred") || token.equals("thousand");
    }

    /** {@code text} with runs of Chinese numerals replaced by digits. */
    static String chineseToDigits(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int end = i;
            while (end < text.length() && isChineseNumeral(text.charAt(end))) {
                end++;
            }
            if (end == i) {
                out.append(text.charAt(i));
                i++;
                continue;
            }
            out.append(chineseValue(text.substring(i, end)));
            i = end;
        }
        return out.toString();
    }

    static boolean isChineseNumeral(char c) {
        return CHINESE_DIGITS.indexOf(c) >= 0 || c == '十' || c == '百' || c == '千' || c == '万';
    }

    static long chineseValue(String numerals) {
        long total = 0;
        long section = 0;
        long number = 0;
        for (char c : numerals.toCharArray()) {
            int digit = CHINESE_DIGITS.indexOf(c);
            if (digit >= 0) {
                number = CHINESE_VALUES[digit];
            } else if (c == '万') {
                total += (section + number) * 10_000;
                section = 0;
                number = 0;
            } else {
                int unit = c == '十' ? 10 : c == '百' ? 100 : 1000;
                section += (number == 0 && unit == 10 && section == 0 ? 1 : number) * unit;
                number = 0;
            }
        }
        return total + section + number;
    }

    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
