using System.Text;
using System.Text.RegularExpressions;

namespace HealthAnalytics.Ingestion.Tests.Ingestion;

/// <summary>
/// The byte fast path checks contract patterns with <see cref="AsciiPattern"/> (a DFA) instead of Regex; on ASCII
/// input both must give the same answer, and patterns outside the DFA subset must be left to Regex.
/// </summary>
public class AsciiPatternTests
{
    /// <summary>The shipped contracts' patterns, then shapes that reach every construct of the subset, each with a matching example.</summary>
    public static TheoryData<string, string> Compiled() => new()
    {
        { "^[0-9A-Za-z -]{3,10}$", "SW1A 1AA" },
        { @"^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,4})?$", "E11.9" },
        { "^[a-z0-9-]{1,32}$", "run-42" },
        { "^[a-z0-9][a-z0-9_-]{0,62}$", "a_b-c" },
        { @"^\d{5}$", "75012" },
        { @"^[\d.]+$", "1.2.3" },
        { "^a*b+c?$", "aabbc" },
        { "^(ab|cd)*e{2,}$", "abcdeee" },
        { "^(?:x|yz|)+q$", "xyzq" },
        { "^[^0-9]{2}[]a]$", "xy]" },
        { "^.{0,3}z$", "a\tbz" },
        { @"^\+33 ?[1-9]( ?[0-9]{2}){4}$", "+33 6 12 34 56 78" },
        { "^$", "" },
        { "^((a|b)c){1,3}$", "acbc" },
        { @"^[-a]\-[a-]$", "--a" },
        { @"^a\t\n?\r*$", "a\t\n\r" },
    };

    [Theory]
    [MemberData(nameof(Compiled))]
    public void IsMatch_AgreesWithRegex_OnSeededRandomAsciiStrings(string pattern, string example)
    {
        var dfa = AsciiPattern.TryCompile(pattern);
        Assert.NotNull(dfa);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking); // the engine the cleaner runs otherwise
        Assert.Matches(regex, example);

        // The example with 0-3 random edits (matches and near misses), and strings of the pattern's own characters
        // and of any ASCII, line feeds included.
        var own = pattern.Where(c => c is not ('^' or '$' or '[' or ']' or '(' or ')' or '{' or '}' or '\\')).Concat("09azAZ .-_\n").Distinct().ToArray();
        var random = new Random(20261201);
        int matches = 0, misses = 0;
        for (var n = 0; n < 20_000; n++)
        {
            var sb = new StringBuilder();
            if (n % 2 == 0)
            {
                sb.Append(example);
                for (var edits = random.Next(4); edits > 0; edits--)
                {
                    var at = random.Next(sb.Length + 1);
                    var c = random.Next(4) == 0 ? (char)random.Next(0, 128) : own[random.Next(own.Length)];
                    switch (random.Next(3))
                    {
                        case 0: sb.Insert(at, c); break;
                        case 1 when at < sb.Length: sb[at] = c; break;
                        default: if (at < sb.Length) { sb.Remove(at, 1); } break;
                    }
                }
            }
            else
            {
                for (var length = random.Next(0, 16); length > 0; length--)
                {
                    sb.Append(random.Next(4) == 0 ? (char)random.Next(0, 128) : own[random.Next(own.Length)]);
                }
            }

            var input = sb.ToString();
            var expected = regex.IsMatch(input);
            matches += expected ? 1 : 0;
            misses += expected ? 0 : 1;
            Assert.True(expected == dfa.IsMatch(Encoding.ASCII.GetBytes(input)), $"pattern {pattern}, input '{input.ReplaceLineEndings("\\n")}': Regex says {expected}");
        }

        // Both answers must have been exercised many times.
        Assert.True(matches > 100 && misses > 100, $"{matches} matches, {misses} misses for {pattern}");
    }

    [Theory]
    [InlineData("^a$", "a\n", true)]
    [InlineData("^a$", "a\n\n", false)]
    [InlineData("^a\\n?$", "a\n", true)]
    [InlineData("^[A-Z]$", "a", false)]
    [InlineData("^.$", "\n", false)]
    [InlineData("^[^a]$", "\n", true)]
    public void IsMatch_EdgeCases_AgreeWithRegex(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, new Regex(pattern, RegexOptions.CultureInvariant).IsMatch(input));
        Assert.Equal(expected, AsciiPattern.TryCompile(pattern)!.IsMatch(Encoding.ASCII.GetBytes(input)));
    }

    [Theory]
    [InlineData("^(?=.*yyyy)(?=.*MM)(?=.*dd)[yMd/.\\- ]+$")] // lookahead (the dateFormats pattern of the contract schema)
    [InlineData("^a|b$")] // top-level alternation: the anchors bind to one option each
    [InlineData("^(a)\\1$")] // backreference
    [InlineData("^\\w+$")] // \w is Unicode-aware: left to Regex
    [InlineData("^(?i)abc$")] // inline option
    [InlineData("^[a-z-[aeiou]]$")] // class subtraction
    [InlineData("^a+?$")] // lazy quantifier
    [InlineData("^é$")] // non-ASCII literal
    [InlineData("^\\bab$")] // word boundary
    [InlineData("abc")] // not anchored
    [InlineData("^a{2,1}$")] // reversed bounds
    [InlineData("^a{1000}$")] // too large to expand
    public void TryCompile_PatternOutsideTheSubset_ReturnsNull(string pattern)
    {
        Assert.Null(AsciiPattern.TryCompile(pattern));
    }
}
