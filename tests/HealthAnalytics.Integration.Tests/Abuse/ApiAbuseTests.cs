using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace HealthAnalytics.Integration.Tests.Abuse;

/// <summary>
/// Issue #6 item 9: every route of the API under hostile input, over real HTTP on loopback. Each case plants the
/// marker <see cref="Marker"/> in what it sends and asserts the documented status, an RFC 7807 body for every 4xx,
/// no stack trace or exception type name, and no echo of the marker.
/// </summary>
public sealed class ApiAbuseTests(AbuseFixture fixture) : IClassFixture<AbuseFixture>
{
    /// <summary>Planted in values, names and route segments; must never come back.</summary>
    public const string Marker = "Qx7PLANTEDq";

    private const string Risk = AbuseFixture.Risk;
    private const string ValidInstance = """{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4}""";
    private const string Json = "application/json";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>(method, path, content type, body, expected status, field error key expected in <c>errors</c>).</summary>
    private static readonly Dictionary<string, (string Method, string Path, string? ContentType, string? Body, int Status, string? ErrorKey)> Cases = new()
    {
        // POST /api/models/{name}/predict
        ["predict: contract column the model does not use"] = ("POST", $"/api/models/{Risk}/predict", Json, $$"""{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"first_name":"{{Marker}}"}""", 400, "first_name"),
        ["predict: unknown property, field-like name"] = ("POST", $"/api/models/{Risk}/predict", Json, $$"""{"instances":[{{ValidInstance}},{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"{{Marker}}":"{{Marker}}"}]}""", 400, "instances[1]"),
        ["predict: unknown property, odd name"] = ("POST", $"/api/models/{Risk}/predict", Json, $$"""{"instances":[{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"{{Marker}} <x>":1}]}""", 400, "instances[0]"),
        ["predict: unknown top-level property next to instances"] = ("POST", $"/api/models/{Risk}/predict", Json, $$"""{"instances":[{{ValidInstance}}],"{{Marker}}":"{{Marker}}"}""", 400, null),
        ["predict: 1001 instances"] = ("POST", $"/api/models/{Risk}/predict", Json, "{\"instances\":[" + string.Join(",", Enumerable.Repeat(ValidInstance, 1001)) + "]}", 400, "instances"),
        ["predict: 0 instances"] = ("POST", $"/api/models/{Risk}/predict", Json, """{"instances":[]}""", 400, "instances"),
        ["predict: instances not an array"] = ("POST", $"/api/models/{Risk}/predict", Json, "{\"instances\":{\"a\":\"" + Marker + "\"}}", 400, "instances"),
        ["predict: 257 KB body"] = ("POST", $"/api/models/{Risk}/predict", Json, "{\"instances\":[{\"age\":70,\"pad\":\"" + Marker + new string('x', 257 * 1024) + "\"}]}", 413, null),
        ["predict: text/plain"] = ("POST", $"/api/models/{Risk}/predict", "text/plain", ValidInstance, 415, null),
        ["predict: no content type"] = ("POST", $"/api/models/{Risk}/predict", null, ValidInstance, 415, null),
        ["predict: form encoded"] = ("POST", $"/api/models/{Risk}/predict", "application/x-www-form-urlencoded", "age=" + Marker, 415, null),
        ["predict: xml"] = ("POST", $"/api/models/{Risk}/predict", "application/xml", "<age>" + Marker + "</age>", 415, null),
        ["predict: json in utf-16"] = ("POST", $"/api/models/{Risk}/predict", "application/json; charset=utf-16", ValidInstance, 415, null),
        ["predict: nested 10,000 deep"] = ("POST", $"/api/models/{Risk}/predict", Json, "{\"instances\":[{\"age\":" + new string('[', 10_000) + "\"" + Marker + "\"" + new string(']', 10_000) + "}]}", 400, "body"),
        ["predict: malformed JSON"] = ("POST", $"/api/models/{Risk}/predict", Json, "{\"instances\":[{\"age\":\"" + Marker, 400, "body"),
        ["predict: empty body"] = ("POST", $"/api/models/{Risk}/predict", Json, "", 400, "body"),
        ["predict: array root"] = ("POST", $"/api/models/{Risk}/predict", Json, $"[\"{Marker}\"]", 400, "instances"),
        ["predict: number out of double range"] = ("POST", $"/api/models/{Risk}/predict", Json, """{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"bmi":1e400}""", 400, "bmi"),
        ["predict: lone surrogate in a value"] = ("POST", $"/api/models/{Risk}/predict", Json, """{"age":70,"sex":"\ud800","admission_type":"emergency","length_of_stay_days":4}""", 400, "instances[0]"),
        ["predict: lone surrogate in a name"] = ("POST", $"/api/models/{Risk}/predict", Json, """{"instances":[{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"\udc00x":1}]}""", 400, "instances[0]"),
        ["predict: marker as category value"] = ("POST", $"/api/models/{Risk}/predict", Json, $$"""{"age":70,"sex":"{{Marker}}","admission_type":"emergency","length_of_stay_days":4}""", 400, "sex"),
        ["predict: marker as number with unit"] = ("POST", $"/api/models/{Risk}/predict", Json, $$"""{"age":70,"sex":"F","admission_type":"emergency","length_of_stay_days":4,"glucose":"7 {{Marker}}"}""", 400, "glucose"),
        ["predict: duplicate property"] = ("POST", $"/api/models/{Risk}/predict", Json, """{"age":70,"age":71,"sex":"F","admission_type":"emergency","length_of_stay_days":4}""", 400, "age"),
        ["predict: path traversal in name"] = ("POST", $"/api/models/..%2F..%2F{Marker}/predict", Json, ValidInstance, 404, null),
        ["predict: encoded dots in name"] = ("POST", $"/api/models/%2E%2E%2F{Marker}/predict", Json, ValidInstance, 404, null),
        ["predict: 4000-char name"] = ("POST", $"/api/models/{Marker}{new string('a', 4000)}/predict", Json, ValidInstance, 404, null),
        ["predict: no champion yet"] = ("POST", $"/api/models/{AbuseFixture.Subgroups}/predict", Json, ValidInstance, 503, null),

        // GET /api/models/{name}, POST retrain, POST promote
        ["model: path traversal"] = ("GET", $"/api/models/..%2F..%2F{Marker}", null, null, 404, null),
        ["model: 4000-char name"] = ("GET", $"/api/models/{Marker}{new string('a', 4000)}", null, null, 404, null),
        ["model: unicode name"] = ("GET", $"/api/models/{Marker}-%C3%A9%E2%80%AE", null, null, 404, null),
        ["retrain: path traversal"] = ("POST", $"/api/models/..%2F{Marker}/retrain", null, null, 404, null),
        ["retrain: 257 KB body"] = ("POST", $"/api/models/{Risk}/retrain", Json, "\"" + Marker + new string('x', 257 * 1024) + "\"", 413, null),
        ["promote: traversal in version"] = ("POST", $"/api/models/{Risk}/versions/..%2F..%2F{Marker}/promote", null, null, 404, null),
        ["promote: 4000-char version"] = ("POST", $"/api/models/{Risk}/versions/{Marker}{new string('9', 4000)}/promote", null, null, 404, null),
        ["promote: unknown version"] = ("POST", $"/api/models/{Risk}/versions/20260101T000000000Z-{Marker}/promote", null, null, 404, null),
        ["promote: unknown model"] = ("POST", $"/api/models/{Marker}/versions/20260101T000000000Z-abcd/promote", null, null, 404, null),
        ["promote: the champion row key"] = ("POST", $"/api/models/{Risk}/versions/champion/promote", null, null, 404, null),

        // GET /api/uploads, /api/uploads/{uploadId}
        ["uploads: unknown status"] = ("GET", $"/api/uploads?status={Marker}", null, null, 400, "status"),
        ["uploads: numeric status"] = ("GET", "/api/uploads?status=1", null, null, 400, "status"),
        ["uploads: filter given twice"] = ("GET", $"/api/uploads?dataset=a&dataset={Marker}", null, null, 400, "dataset"),
        ["uploads: 2000-char filter"] = ("GET", $"/api/uploads?partner={Marker}{new string('p', 2000)}", null, null, 400, "partner"),
        ["uploads: OData injection in filter"] = ("GET", $"/api/uploads?partner={Uri.EscapeDataString("x' or PartitionKey ne '" + Marker)}", null, null, 200, null),
        ["upload: path traversal"] = ("GET", $"/api/uploads/..%2F..%2Freports%2F{Marker}", null, null, 400, "uploadId"),
        ["upload: 4000-char id"] = ("GET", $"/api/uploads/{Marker}{new string('a', 4000)}", null, null, 400, "uploadId"),
        ["upload: well-formed unknown id"] = ("GET", "/api/uploads/aaaaaaaaaaaaaaaaaaaaaaaaaa", null, null, 404, null),

        // anonymous routes ignore what they do not read
        ["health: junk query"] = ("GET", $"/api/health?x={Marker}", null, null, 200, null),
        ["openapi: junk query"] = ("GET", $"/api/openapi.json?x={Marker}", null, null, 200, null),

        // routing
        ["unknown route"] = ("GET", $"/api/{Marker}", null, null, 404, null),
        ["wrong method"] = ("DELETE", $"/api/models/{Risk}", null, null, 405, null),
        ["wrong method on predict"] = ("GET", $"/api/models/{Risk}/predict", null, null, 405, null),
    };

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Route_HostileInput_AnswersDocumentedStatus_AsProblemWithoutTraceOrEcho(string name)
    {
        var c = Cases[name];
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), new Uri(c.Path, UriKind.Relative));
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(c.Body));
            request.Content.Headers.ContentType = c.ContentType is null ? null : MediaTypeHeaderValue.Parse(c.ContentType);
        }

        using var response = await fixture.Host.Client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True((int)response.StatusCode == c.Status, $"{name}: {(int)response.StatusCode} {Head(text)}");
        AssertNoLeak(text);
        if (c.Status >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(text);
            Assert.Equal(c.Status, problem.RootElement.GetProperty("status").GetInt32());
            if (c.ErrorKey is { } key)
            {
                var errors = problem.RootElement.GetProperty("errors");
                Assert.True(errors.EnumerateObject().Any(e => e.Name == key || e.Name.EndsWith("." + key, StringComparison.Ordinal)), $"{name}: no error for {key} in {Head(text)}");
            }
        }
    }

    [Fact]
    public async Task Predict_ChunkedBodyOver256KB_WithoutContentLength_Answers413()
    {
        var payload = Encoding.UTF8.GetBytes("{\"instances\":[{\"age\":70,\"pad\":\"" + Marker + new string('x', 257 * 1024) + "\"}]}");
        using var content = new StreamContent(new UnseekableStream(payload));
        content.Headers.ContentType = new MediaTypeHeaderValue(Json);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/models/{Risk}/predict", UriKind.Relative)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await fixture.Host.Client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        AssertNoLeak(text);
    }

    /// <summary>Requests the server (Kestrel) refuses before routing: its status with an empty body, nothing echoed.
    /// Azure Functions' front end has its own such limits (URL 4 KB); documented in docs/serving.md.</summary>
    [Theory]
    [InlineData("NUL in a route value", "/api/models/" + Marker + "%00/predict", 400)]
    [InlineData("10,000-char route value", "/api/models/" + Marker + "LONG/predict", 414)]
    public async Task ServerLevel_InvalidTarget_IsRefusedWithoutEcho(string label, string path, int expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path.Replace("LONG", new string('a', 10_000), StringComparison.Ordinal), UriKind.Relative))
        {
            Content = new StringContent(ValidInstance, Encoding.UTF8, Json),
        };

        using var response = await fixture.Host.Client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);

        Assert.True((int)response.StatusCode == expected, $"{label}: {(int)response.StatusCode} {Head(text)}");
        AssertNoLeak(text);
    }

    [Theory]
    [InlineData("GET /api/uploads/../../reports/x HTTP/1.1", 404)] // dot segments: the server normalizes before routing
    [InlineData("GET /api/models/%2e%2e/%2e%2e/models HTTP/1.1", 404)]
    [InlineData("POST /api/models/readmission-risk/predict HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", 400)] // broken chunk framing
    public async Task RawRequest_MalformedOrTraversingPath_AnswersProblemWithoutEcho(string requestHead, int expected)
    {
        var port = fixture.Host.Client.BaseAddress!.Port;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, Ct);
        await using var stream = tcp.GetStream();
        var body = requestHead.Contains("chunked", StringComparison.Ordinal) ? "zz" + Marker + "\r\n{\"age\":1}\r\n0\r\n\r\n" : "";
        var raw = requestHead + $"\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n" + body;
        await stream.WriteAsync(Encoding.ASCII.GetBytes(raw), Ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync(Ct);

        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(status == expected, Head(response));
        AssertNoLeak(response);
    }

    private static void AssertNoLeak(string text)
    {
        Assert.DoesNotContain(Marker, text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("HealthAnalytics.", text, StringComparison.Ordinal);
    }

    private static string Head(string text) => text[..Math.Min(400, text.Length)];

    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
