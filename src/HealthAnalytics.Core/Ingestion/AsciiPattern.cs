namespace HealthAnalytics.Ingestion;

/// <summary>
/// A contract pattern (<c>^…$</c>) compiled to a DFA over ASCII bytes, for the cleaner's byte fast path: one table
/// step per byte instead of a Regex call (decoding to UTF-16, timeout bookkeeping, match object), which was ~2.5 %
/// of all ingestion CPU. Only a subset is compiled: literals, <c>.</c>, classes with ranges and <c>\d</c> (negated
/// too), groups <c>(…)</c> and <c>(?:…)</c>, <c>|</c>, and the greedy quantifiers <c>? * + {n} {n,} {n,m}</c>,
/// anchored by a leading <c>^</c> and a trailing <c>$</c>. Anything else (lookarounds, inline options,
/// backreferences, <c>\b</c>, <c>\w</c>, class subtraction, non-ASCII literals, too many states) returns null and
/// the caller keeps the Regex. On ASCII input the result equals <c>Regex.IsMatch</c> with
/// <c>RegexOptions.CultureInvariant</c> (tested on seeded random strings), including .NET's <c>$</c> also matching
/// before a final <c>\n</c>. A DFA has no backtracking, so no timeout is needed.
/// </summary>
internal sealed class AsciiPattern
{
    private const int MaxNfaStates = 4096;
    private const int MaxDfaStates = 2048;

    // _next[state * 128 + byte]: the next state; state 0 is dead (no match possible), state 1 the start.
    private readonly ushort[] _next;
    private readonly bool[] _accepts;

    private AsciiPattern(ushort[] next, bool[] accepts)
    {
        _next = next;
        _accepts = accepts;
    }

    /// <summary>The DFA of <paramref name="pattern"/>, or null when it is outside the compiled subset.</summary>
    public static AsciiPattern? TryCompile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Length < 2 || pattern[0] != '^' || pattern[^1] != '$' || (pattern.Length >= 3 && pattern[^2] == '\\'))
        {
            return null;
        }

        // A top-level '|' would bind the anchors to the first and last option only (^a|b$ is (^a)|(b$)): not compiled.
        var parser = new Parser(pattern[1..^1]);
        if (parser.ParseAll() is not { } ast || ast is AltNode)
        {
            return null;
        }

        var nfa = new Nfa();
        if (nfa.Build(ast) is not { } fragment)
        {
            return null;
        }

        return Determinize(nfa, fragment.Start, fragment.End);
    }

    /// <summary>Whether the whole ASCII <paramref name="ascii"/> matches (bytes ≥ 128 never match).</summary>
    public bool IsMatch(ReadOnlySpan<byte> ascii)
    {
        var next = _next;
        var state = 1;
        for (var i = 0; i < ascii.Length; i++)
        {
            var c = ascii[i];
            if (c >= 128)
            {
                return false;
            }

            if (c == '\n' && i == ascii.Length - 1 && _accepts[state])
            {
                return true; // '$' also matches before a final line feed
            }

            state = next[(state << 7) | c];
            if (state == 0)
            {
                return false;
            }
        }

        return _accepts[state];
    }

    private static AsciiPattern? Determinize(Nfa nfa, int start, int accept)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var sets = new List<int[]> { Array.Empty<int>() };
        var first = nfa.Closure([start]);
        ids[Key(first)] = 1;
        sets.Add(first);
        var next = new List<ushort>(new ushort[256]);
        for (var d = 1; d < sets.Count; d++)
        {
            var set = sets[d];
            for (var c = 0; c < 128; c++)
            {
                var moved = new List<int>();
                foreach (var s in set)
                {
                    if (nfa.Target[s] >= 0 && (nfa.Class[s] & (UInt128.One << c)) != 0)
                    {
                        moved.Add(nfa.Target[s]);
                    }
                }

                if (moved.Count == 0)
                {
                    continue;
                }

                var closure = nfa.Closure(moved);
                var key = Key(closure);
                if (!ids.TryGetValue(key, out var id))
                {
                    if (sets.Count >= MaxDfaStates)
                    {
                        return null;
                    }

                    id = sets.Count;
                    ids[key] = id;
                    sets.Add(closure);
                    next.AddRange(new ushort[128]);
                }

                next[(d << 7) | c] = (ushort)id;
            }
        }

        var accepts = new bool[sets.Count];
        for (var d = 1; d < sets.Count; d++)
        {
            accepts[d] = Array.IndexOf(sets[d], accept) >= 0;
        }

        return new AsciiPattern([.. next], accepts);
    }

    private static string Key(int[] set) => string.Join(',', set);

    private abstract record Node;

    private sealed record ClassNode(UInt128 Chars) : Node;

    private sealed record SeqNode(List<Node> Items) : Node;

    private sealed record AltNode(List<Node> Options) : Node;

    private sealed record RepeatNode(Node Item, int Min, int Max) : Node; // Max -1 = unbounded

    /// <summary>Thompson NFA: each state has at most one class transition and any number of ε-moves.</summary>
    private sealed class Nfa
    {
        public List<UInt128> Class { get; } = [];

        public List<int> Target { get; } = [];

        public List<List<int>> Epsilon { get; } = [];

        public (int Start, int End)? Build(Node node)
        {
            switch (node)
            {
                case ClassNode c:
                    {
                        var s = Add();
                        var e = Add();
                        if (s < 0 || e < 0)
                        {
                            return null;
                        }

                        Class[s] = c.Chars;
                        Target[s] = e;
                        return (s, e);
                    }

                case SeqNode seq:
                    {
                        var s = Add();
                        if (s < 0)
                        {
                            return null;
                        }

                        var end = s;
                        foreach (var item in seq.Items)
                        {
                            if (Build(item) is not { } f)
                            {
                                return null;
                            }

                            Epsilon[end].Add(f.Start);
                            end = f.End;
                        }

                        return (s, end);
                    }

                case AltNode alt:
                    {
                        var s = Add();
                        var e = Add();
                        if (s < 0 || e < 0)
                        {
                            return null;
                        }

                        foreach (var option in alt.Options)
                        {
                            if (Build(option) is not { } f)
                            {
                                return null;
                            }

                            Epsilon[s].Add(f.Start);
                            Epsilon[f.End].Add(e);
                        }

                        return (s, e);
                    }

                case RepeatNode r:
                    {
                        // x{m,n} = m copies then (n - m) optional ones; x{m,} = m copies then a loop.
                        var s = Add();
                        if (s < 0)
                        {
                            return null;
                        }

                        var end = s;
                        for (var i = 0; i < r.Min; i++)
                        {
                            if (Build(r.Item) is not { } f)
                            {
                                return null;
                            }

                            Epsilon[end].Add(f.Start);
                            end = f.End;
                        }

                        if (r.Max < 0)
                        {
                            if (Build(r.Item) is not { } f)
                            {
                                return null;
                            }

                            var e = Add();
                            if (e < 0)
                            {
                                return null;
                            }

                            Epsilon[end].Add(f.Start);
                            Epsilon[end].Add(e);
                            Epsilon[f.End].Add(f.Start);
                            Epsilon[f.End].Add(e);
                            return (s, e);
                        }

                        var exit = Add();
                        if (exit < 0)
                        {
                            return null;
                        }

                        for (var i = r.Min; i < r.Max; i++)
                        {
                            if (Build(r.Item) is not { } f)
                            {
                                return null;
                            }

                            Epsilon[end].Add(f.Start);
                            Epsilon[end].Add(exit);
                            end = f.End;
                        }

                        Epsilon[end].Add(exit);
                        return (s, exit);
                    }

                default:
                    return null;
            }
        }

        public int[] Closure(IEnumerable<int> states)
        {
            var seen = new HashSet<int>();
            var stack = new Stack<int>(states);
            while (stack.Count > 0)
            {
                var s = stack.Pop();
                if (seen.Add(s))
                {
                    foreach (var t in Epsilon[s])
                    {
                        stack.Push(t);
                    }
                }
            }

            // Only states with a class transition or the accepting end matter for identity; keeping all is simpler and exact.
            var result = seen.ToArray();
            Array.Sort(result);
            return result;
        }

        private int Add()
        {
            if (Class.Count >= MaxNfaStates)
            {
                return -1;
            }

            Class.Add(UInt128.Zero);
            Target.Add(-1);
            Epsilon.Add([]);
            return Class.Count - 1;
        }
    }

    /// <summary>Recursive descent over the subset; null on anything outside it.</summary>
    private sealed class Parser(string p)
    {
        private const int MaxRepeat = 256;
        private static readonly UInt128 AllAscii = UInt128.MaxValue; // bit c = ASCII character c
        private static readonly UInt128 Digits = Range('0', '9');
        private int _i;

        public Node? ParseAll()
        {
            var node = Alternation();
            return _i == p.Length ? node : null;
        }

        private Node? Alternation()
        {
            var options = new List<Node>();
            while (true)
            {
                if (Sequence() is not { } seq)
                {
                    return null;
                }

                options.Add(seq);
                if (_i < p.Length && p[_i] == '|')
                {
                    _i++;
                    continue;
                }

                return options.Count == 1 ? options[0] : new AltNode(options);
            }
        }

        private SeqNode? Sequence()
        {
            var items = new List<Node>();
            while (_i < p.Length && p[_i] is not ('|' or ')'))
            {
                if (Atom() is not { } atom)
                {
                    return null;
                }

                if (Quantified(atom) is not { } item)
                {
                    return null;
                }

                items.Add(item);
            }

            return new SeqNode(items);
        }

        private Node? Quantified(Node atom)
        {
            if (_i >= p.Length)
            {
                return atom;
            }

            int min, max;
            switch (p[_i])
            {
                case '?': min = 0; max = 1; _i++; break;
                case '*': min = 0; max = -1; _i++; break;
                case '+': min = 1; max = -1; _i++; break;
                case '{':
                    if (!Braces(out min, out max))
                    {
                        return null;
                    }

                    break;
                default:
                    return atom;
            }

            // Lazy or possessive-looking suffixes, or a quantifier on a quantifier: outside the subset.
            if (_i < p.Length && p[_i] is '?' or '+' or '*' or '{')
            {
                return null;
            }

            return new RepeatNode(atom, min, max);
        }

        private bool Braces(out int min, out int max)
        {
            min = max = 0;
            var close = p.IndexOf('}', _i);
            if (close < 0)
            {
                return false;
            }

            var body = p[(_i + 1)..close];
            var comma = body.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0)
            {
                if (!TryCount(body, out min))
                {
                    return false;
                }

                max = min;
            }
            else
            {
                if (!TryCount(body[..comma], out min))
                {
                    return false;
                }

                if (comma == body.Length - 1)
                {
                    max = -1;
                }
                else if (!TryCount(body[(comma + 1)..], out max) || max < min)
                {
                    return false;
                }
            }

            _i = close + 1;
            return true;
        }

        private static bool TryCount(string s, out int value)
        {
            value = 0;
            if (s.Length is 0 or > 3)
            {
                return false;
            }

            foreach (var ch in s)
            {
                if (!char.IsAsciiDigit(ch))
                {
                    return false;
                }

                value = (value * 10) + (ch - '0');
            }

            return value <= MaxRepeat;
        }

        private Node? Atom()
        {
            var ch = p[_i];
            switch (ch)
            {
                case '(':
                    {
                        _i++;
                        if (_i < p.Length && p[_i] == '?')
                        {
                            if (_i + 1 >= p.Length || p[_i + 1] != ':')
                            {
                                return null; // lookarounds, inline options, named groups
                            }

                            _i += 2;
                        }

                        var inner = Alternation();
                        if (inner is null || _i >= p.Length || p[_i] != ')')
                        {
                            return null;
                        }

                        _i++;
                        return inner;
                    }

                case '[':
                    return Class();
                case '.':
                    _i++;
                    return new ClassNode(AllAscii & ~Bit('\n'));
                case '\\':
                    {
                        if (_i + 1 >= p.Length)
                        {
                            return null;
                        }

                        var e = p[_i + 1];
                        _i += 2;
                        return e == 'd' ? new ClassNode(Digits) : Escaped(e) is { } literal ? new ClassNode(Bit(literal)) : null;
                    }

                case '^' or '$' or '*' or '+' or '?' or '{' or '}' or ']' or ')' or '|':
                    return null;
                default:
                    _i++;
                    return ch < 128 ? new ClassNode(Bit(ch)) : null;
            }
        }

        private ClassNode? Class()
        {
            _i++; // '['
            var negated = _i < p.Length && p[_i] == '^';
            if (negated)
            {
                _i++;
            }

            var chars = UInt128.Zero;
            var first = true;
            while (_i < p.Length && (p[_i] != ']' || first))
            {
                first = false;
                if (p[_i] == '\\' && _i + 1 < p.Length && p[_i + 1] == 'd')
                {
                    chars |= Digits;
                    _i += 2;
                    continue;
                }

                if (SetChar() is not { } lo)
                {
                    return null;
                }

                // A range a-b, unless the '-' is the last character before ']'.
                if (_i + 1 < p.Length && p[_i] == '-' && p[_i + 1] != ']')
                {
                    if (p[_i + 1] == '[')
                    {
                        return null; // class subtraction
                    }

                    _i++;
                    if (SetChar() is not { } hi || hi < lo)
                    {
                        return null;
                    }

                    chars |= Range(lo, hi);
                }
                else
                {
                    chars |= Bit(lo);
                }
            }

            if (_i >= p.Length)
            {
                return null;
            }

            _i++; // ']'
            return new ClassNode(negated ? AllAscii & ~chars : chars);
        }

        /// <summary>One literal character of a class; null for anything outside the subset.</summary>
        private char? SetChar()
        {
            var ch = p[_i];
            if (ch == '\\')
            {
                if (_i + 1 >= p.Length)
                {
                    return null;
                }

                var e = p[_i + 1];
                _i += 2;
                return Escaped(e);
            }

            if (ch >= 128 || ch == '[')
            {
                return null;
            }

            _i++;
            return ch;
        }

        /// <summary>The character an escape stands for: \t \n \r, or ASCII punctuation itself (other letters and digits are classes or backreferences).</summary>
        private static char? Escaped(char e) => e switch
        {
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ when e < 128 && !char.IsAsciiLetterOrDigit(e) && e is not (' ' or '#' or '_') && !char.IsControl(e) => e,
            _ => null,
        };

        private static UInt128 Bit(char c) => UInt128.One << c;

        private static UInt128 Range(char lo, char hi)
        {
            var bits = UInt128.Zero;
            for (var c = lo; c <= hi; c++)
            {
                bits |= UInt128.One << c;
            }

            return bits;
        }
    }
}
