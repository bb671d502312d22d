package io.xiaozhi.pipeline.llm.offline;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Simple arithmetic said aloud: "what is 12 times 7", "3+4", "100 divided by 8", "十二乘以七". The
 * operator words become symbols, the first expression of numbers and {@code + - * /} (with the usual
 * precedence) is evaluated exactly (division to 10 significant digits).
 */
final class Arithmetic {

    /** An evaluated expression, or the reason it cannot be. */
    sealed interface Result {
        record Value(BigDecimal value) implements Result {
        }

        record DivisionByZero() implements Result {
        }
    }

    private static final Pattern EXPRESSION = Pattern.compile("\\d+(?:\\.\\d+)?(?:\\s*[-+*/]\\s*\\d+(?:\\.\\d+)?)+");
    private static final MathContext DIVISION = new MathContext(10, RoundingMode.HALF_EVEN);

    private Arithmetic() {
    }

    /** The result of the first expression in {@code said}, if it has one. */
    static Optional<Result> evaluate(String said) {
        String text = normalise(said);
        Matcher matcher = EXPRESSION.matcher(text);
        if (!matcher.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Result.Value(new Parser(matcher.group().replace(" ", "")).parse()));
        } catch (ArithmeticException e) {
            return Optional.of(new Result.DivisionByZero());
        }
    }

    /** The number as it is said: no exponent, no trailing zeros. */
    static String format(BigDecimal value) {
        BigDecimal rounded = value.setScale(Math.min(Math.max(value.scale(), 0), 6), RoundingMode.HALF_EVEN).stripTrailingZeros();
        return rounded.toPlainString();
    }

    static String normalise(String said) {
        String text = SpokenNumbers.chineseToDigits(SpokenNumbers.englishToDigits(SpokenNumbers.lower(said)));
        text = text.replace("multiplied by", "*").replace("divided by", "/").replace("times", "*").replace("plus", "+")
                .replace("minus", "-").replace("over", "/").replace("×", "*").replace("÷", "/").replace("x", " x ")
                .replace("乘以", "*").replace("除以", "/").replace("加上", "+").replace("减去", "-")
                .replace("乘", "*").replace("加", "+").replace("减", "-");
        return text.replaceAll("(\\d)\\s*x\\s*(\\d)", "$1*$2");
    }

    /** Recursive descent over digits, {@code + - * /}; the input matched {@link #EXPRESSION}. */
    private static final class Parser {
        private final String text;
        private int at;

        Parser(String text) {
            this.text = text;
        }

        BigDecimal parse() {
            BigDecimal value = term();
            while (at < text.length()) {
                char op = text.charAt(at++);
                BigDecimal right = term();
                value = op == '+' ? value.add(right) : value.subtract(right);
            }
            return value;
        }

        private BigDecimal term() {
            BigDecimal value = number();
            while (at < text.length() && (text.charAt(at) == '*' || text.charAt(at) == '/')) {
                char op = text.charAt(at++);
                BigDecimal right = number();
                value = op == '*' ? value.multiply(right) : value.divide(right, DIVISION);
            }
            return value;
        }

        private BigDecimal number() {
            int start = at;
            while (at < text.length() && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '.')) {
                at++;
            }
            return new BigDecimal(text.substring(start, at));
        }
    }
}
