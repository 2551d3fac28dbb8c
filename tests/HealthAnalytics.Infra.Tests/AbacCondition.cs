namespace HealthAnalytics.Infra.Tests;

/// <summary>A blob data-plane request as a role assignment condition sees it.</summary>
internal sealed record BlobRequest(string Action, string Container, string Path);

/// <summary>
/// Evaluates the subset of the Azure role assignment condition language (version 2.0) the template uses, with the
/// documented semantics: <c>ActionMatches{'a'}</c> is true for that action, <c>!</c>, <c>AND</c>, <c>OR</c>,
/// parentheses, and <c>@Resource[attribute] Operator 'value'</c> for a blob's path and its container's name with
/// StringStartsWith, StringEquals, StringNotEquals. A level mixing AND and OR without parentheses is refused: the
/// template's conditions must not depend on operator precedence. Anything else is refused too.
/// </summary>
internal static class AbacCondition
{
    private const string PathAttribute = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path";
    private const string ContainerAttribute = "Microsoft.Storage/storageAccounts/blobServices/containers:name";

    public static bool Allows(string condition, BlobRequest request)
    {
        var tokens = Tokenize(condition);
        var position = 0;
        var result = Expression(tokens, ref position, request);
        if (position != tokens.Count)
        {
            throw new FormatException($"unexpected '{tokens[position]}' in condition");
        }

        return result;
    }

    private static bool Expression(List<string> tokens, ref int position, BlobRequest request)
    {
        var value = Unary(tokens, ref position, request);
        string? op = null;
        while (position < tokens.Count && tokens[position] is "AND" or "OR")
        {
            if (op is not null && tokens[position] != op)
            {
                throw new FormatException("AND and OR mixed at one level without parentheses");
            }

            op = tokens[position++];
            var right = Unary(tokens, ref position, request);
            value = op == "AND" ? value && right : value || right;
        }

        return value;
    }

    private static bool Unary(List<string> tokens, ref int position, BlobRequest request)
    {
        if (tokens[position] == "!")
        {
            position++;
            return !Primary(tokens, ref position, request);
        }

        return Primary(tokens, ref position, request);
    }

    private static bool Primary(List<string> tokens, ref int position, BlobRequest request)
    {
        var token = tokens[position++];
        switch (token)
        {
            case "(":
                var inner = Expression(tokens, ref position, request);
                Expect(tokens, ref position, ")");
                return inner;
            case "ActionMatches":
                Expect(tokens, ref position, "{");
                var action = Literal(tokens, ref position);
                Expect(tokens, ref position, "}");
                return action == request.Action;
            case "@Resource":
                Expect(tokens, ref position, "[");
                var attribute = tokens[position++];
                Expect(tokens, ref position, "]");
                var op = tokens[position++];
                var expected = Literal(tokens, ref position);
                var actual = attribute switch
                {
                    PathAttribute => request.Path,
                    ContainerAttribute => request.Container,
                    _ => throw new FormatException($"attribute {attribute} is not modelled"),
                };
                return op switch
                {
                    "StringStartsWith" => actual.StartsWith(expected, StringComparison.Ordinal),
                    "StringEquals" => actual == expected,
                    "StringNotEquals" => actual != expected,
                    _ => throw new FormatException($"operator {op} is not modelled"),
                };
            default:
                throw new FormatException($"unexpected '{token}' in condition");
        }
    }

    private static string Literal(List<string> tokens, ref int position)
    {
        var token = tokens[position++];
        return token.Length >= 2 && token[0] == '\'' && token[^1] == '\'' ? token[1..^1] : throw new FormatException($"expected a 'string', found {token}");
    }

    private static void Expect(List<string> tokens, ref int position, string expected)
    {
        if (position >= tokens.Count || tokens[position] != expected)
        {
            throw new FormatException($"expected '{expected}'");
        }

        position++;
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')' or '{' or '}' or '!')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '[')
            {
                // An attribute name: everything up to the closing bracket.
                var end = text.IndexOf(']', i);
                tokens.Add("[");
                tokens.Add(text[(i + 1)..end]);
                tokens.Add("]");
                i = end + 1;
            }
            else if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                tokens.Add(text[i..(end + 1)]);
                i = end + 1;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or '{' or '}' or '[' or '\''))
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }
}
