using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// Random Engine API requests (seeded, so a failure replays) against a berthd of its own: wrong
/// types, truncated and non-JSON bodies, broken filters and query values, odd names and version
/// prefixes, garbage archives and auth headers, mixed with valid requests on a few real
/// containers. Every answer arrives in time, none is a 5xx for the client's mistake, every error
/// is {"message": ...}, and afterwards the daemon is alive with no half-written image.
/// </summary>
public sealed class ApiFuzzTests : IAsyncLifetime
{
    // BERTH_FUZZ_SEED and BERTH_FUZZ_REQUESTS explore further than the default run.
    private static readonly int Requests = int.TryParse(Environment.GetEnvironmentVariable("BERTH_FUZZ_REQUESTS"), out var n) ? n : 1500;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BERTH_FUZZ_SEED"), out var s) ? s : 20260311;
    // BERTH_FUZZ_TRACE=FILE writes every request and its answer there, and berthd's log beside it.
    private static readonly string? Trace = Environment.GetEnvironmentVariable("BERTH_FUZZ_TRACE");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    // Requests that may rightly wait for a container (wait, attach, logs -f, stop -t -1) get this
    // long; their headers must still come within Bound.
    private static readonly TimeSpan StreamGrace = TimeSpan.FromMilliseconds(300);

    // .NET's own exceptions leaking into a message: an unhandled case, never docker's answer.
    private static readonly string[] DotNetLeaks =
    [
        "NullReference", "Object reference", "InvalidCast", "Unable to cast", "IndexOutOfRange", "Index was outside", "FormatException",
        "was not in a correct format", "Overflow", "ArgumentOutOfRange", "ArgumentException", "ArgumentNull", "Value cannot be null",
        "Sequence contains", "KeyNotFound", "was not present in the dictionary", "InvalidOperation", "Operation is not valid",
        "System.", "Specified argument", "Exception of type", "must be non-negative", "Cannot access a disposed", "at Berth.",
        "The requested operation requires an element of type", "Nullable object must have a value", "EndOfStream",
    ];
    // NativeAOT's framework messages are resource keys: "Arg_NullReferenceException", "IO_EOF_ReadBeyondEOF",
    // "DeserializeUnableToConvertValue, System.String", "TarInvalidNumber, ".
    private static readonly Regex ResourceKey = new(@"\b[A-Z][A-Za-z]*_[A-Z][A-Za-z]*[a-z][A-Za-z_]*\b|\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*){2,}(?:,|\b Path:)", RegexOptions.CultureInvariant);

    private static readonly string[] Versions = ["/v1.24", "/v1.30", "/v1.41", "/v1.43", "/v1.44", "/v1.47"];
    private static readonly string[] OddVersions = ["/v0.1", "/v99", "/v1.48", "/v2.0", "/v1.x", "/v", "/v1.", "/v.47", "/v1.99999999999", "/v-1.47", "/v1.47.1", "/V1.47"];
    private static readonly string[] OddNames =
    [
        "nosuch", "", "..", "%2e%2e", "a%2Fb", "%2F", "%00", "x%00y", "%ff%fe", "%C3%A9t%C3%A9", "%E2%98%83", "%F0%9F%90%B3",
        new string('a', 300), new string('b', 5000), "-", "_", "sha256:", "sha256:" + new string('0', 64), "0", "a%20b", "*", "%25", "a%3Fb",
        "%2e", "..%2F..%2Fetc", "a%0Ab", "%5C", "fuzz", "Fuzz", "a..b", "a__b", "%7B%7D",
    ];
    private static readonly string[] ImageNames =
    [
        "busybox", "busybox:latest", "busybox:nosuch", "library/busybox", "docker.io/library/busybox:latest", "BUSYBOX", "busybox:", ":latest",
        "busybox@sha256:" + new string('0', 64), "busybox@sha256:abc", "127.0.0.1:1/fuzz", "fuzz/img:v1", "a/b/c/d", "%2e%2e/%2e%2e", "@",
        "sha256:", "sha256:zz", "busybox:" + new string('t', 200), "localhost:5000/x", "x:y:z", "%00",
    ];
    private static readonly string[] Tags = ["latest", "v1", ".bad", "-x", "TAG", new string('t', 200), "a:b", "@", "", "%2F", "a b", "sha256:" + new string('0', 64)];
    private static readonly string[] Repos = ["fuzz", "fuzz/img", "FUZZ", "a..b", "", "127.0.0.1:1/fuzz", "x@y", "a/", "/a", "%00", new string('r', 300), "fuzz:tag", "busybox"];
    private static readonly string[] Filters =
    [
        "{", "[1,2]", "\"x\"", "null", "1", "{\"status\":\"running\"}", "{\"status\":[1]}", "{\"status\":[null]}", "{\"status\":{\"running\":1}}",
        "{\"status\":[\"bogus\"]}", "{\"label\":[\"a=b\"]}", "{\"name\":[\"[\"]}", "{\"id\":[\"\"]}", "{\"nosuch\":[\"x\"]}", "{\"dangling\":[\"maybe\"]}",
        "{\"reference\":[\"[\"]}", "{\"reference\":[\"busybox\"]}", "{\"before\":[\"nosuch\"]}", "{\"since\":[\"nosuch\"]}", "{\"exited\":[\"abc\"]}",
        "{\"exited\":[\"0\"]}", "{\"ancestor\":[\"busybox\"]}", "{\"health\":[\"x\"]}", "{\"status\":{\"running\":true}}", "{\"a\":[[]]}",
        "{\"label\":{\"a\":\"b\"}}", "{\"status\":[\"running\"],\"status\":[\"exited\"]}", "%ff", "{\"\":[\"\"]}", "{\"is-task\":[\"true\"]}",
        "{\"volume\":[\"/x\"]}", "{\"network\":[\"x\"]}", "{\"publish\":[\"80\"]}", "{\"expose\":[\"x/y\"]}", "{\"until\":[\"1h\"]}",
    ];
    private static readonly string[] Ints = ["", "0", "1", "-1", "-5", "abc", "99999999999", "2147483647", "-2147483648", "1.5", "0x10", " 1", "1e3", "١"];
    private static readonly string[] Signals = ["", "KILL", "SIGKILL", "9", "0", "-1", "65", "NOPE", "SIGNOPE", "RTMIN+1", "RTMIN+99", "SIGRTMAX-1", "HUP", "TERM", "USR1", "99999999999", "sig"];
    private static readonly string[] Times = ["", "0", "x", "-1", "1700000000", "1700000000.5", "99999999999999", "-99999999999999", "1.x", ".", "1e9", "9223372036854775807", "2024-01-01T00:00:00Z", "10m"];
    private static readonly string[] Bools = ["1", "0", "true", "false", "yes", "", "maybe", "TRUE"];
    private static readonly string[] ContentTypes =
    [
        "application/json", "application/json", "text/plain", "", "application/x-tar", "application/json; charset=utf-16", "multipart/form-data; boundary=",
        "application/json; charset=\"", "*/*",
    ];
    private static readonly string[] Platforms = ["", "linux", "windows", "linux/amd64", "linux/arm64/v8", "/", "linux//", "a/b/c/d", "LINUX/AMD64", "darwin"];
    private static readonly string[] Changes =
    [
        "CMD [\"sh\"]", "ENV", "ENV A", "EXPOSE abc", "EXPOSE 99999999", "FOO bar", "USER", "HEALTHCHECK --interval=abc CMD true", "LABEL",
        "ONBUILD x", "WORKDIR relative", "ENTRYPOINT [", "STOPSIGNAL NOPE", "VOLUME [", "", "CMD", "HEALTHCHECK --retries=-1 CMD true",
    ];
    // Every pull goes to 127.0.0.1:1, where nothing listens; the name after it is the fuzz.
    private static readonly string[] PullNames =
    [
        "127.0.0.1:1/fuzz", "127.0.0.1:1/fuzz:tag", "127.0.0.1:1/fuzz@sha256:" + new string('0', 64), "127.0.0.1:1/UPPER", "127.0.0.1:1/" + new string('a', 300),
        "127.0.0.1:1/../x", "127.0.0.1:1/a%00", "127.0.0.1:1/a/b/c", "127.0.0.1:1/x:", "127.0.0.1:1/x@sha256:zz",
    ];
    private static readonly string[] LoginAddresses = ["127.0.0.1:1", "http://127.0.0.1:1", "https://127.0.0.1:1/v2/", "127.0.0.1:1/path"];

    // A create request touching most of what the API model has; mutations start from here.
    private const string CreateTemplate = """
        {"Image":"busybox","Cmd":["true"],"Entrypoint":null,"Env":["A=b","PATH=/bin"],"Labels":{"fuzz":"1"},"WorkingDir":"/","User":"",
         "Hostname":"fuzz","Tty":false,"OpenStdin":false,"StdinOnce":false,"AttachStdout":true,"StopSignal":"SIGTERM","StopTimeout":1,
         "ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"Shell":["/bin/sh","-c"],
         "Healthcheck":{"Test":["CMD","true"],"Interval":1000000000,"Timeout":1000000000,"Retries":1,"StartPeriod":0},
         "HostConfig":{"Binds":["@BIND@:/bound:ro"],"Memory":0,"MemorySwap":0,"MemoryReservation":0,"NanoCpus":0,"CpuShares":0,"PidsLimit":0,"ShmSize":0,
           "OomScoreAdj":0,"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"LogConfig":{"Type":"json-file","Config":{}},
           "Ulimits":[{"Name":"nofile","Soft":1024,"Hard":1024}],"Sysctls":{},"Dns":[],"DnsSearch":[],"DnsOptions":[],"ExtraHosts":[],
           "CapAdd":[],"CapDrop":[],"GroupAdd":[],"SecurityOpt":[],"ConsoleSize":[0,0],"Mounts":[],
           "AutoRemove":false,"NetworkMode":"default","PortBindings":{},"Privileged":false,"ReadonlyRootfs":false,"MaskedPaths":null,
           "ReadonlyPaths":null,"Tmpfs":{},"Init":null},
         "NetworkingConfig":{"EndpointsConfig":{}}}
        """;
    private const string AuthTemplate = """{"serveraddress":"@ADDRESS@","username":"fuzz","password":"secret","email":"","auth":"","identitytoken":"","registrytoken":""}""";
    // JSON values put in place of a field; none is a usable bind or mount source.
    private static readonly string[] JsonValues =
    [
        "null", "true", "false", "0", "-1", "1", "-9223372036854775808", "9223372036854775807", "99999999999999999999", "-99999999999999999999",
        "1e400", "-0.5", "1.5", "2147483648", "\"\"", "\"x\"", "\"-1\"", "\"1\"", "\"true\"", "[]", "[null]", "[\"\"]", "[1,2]", "[[]]", "[{}]",
        "{}", "{\"\":null}", "{\"a\":[1]}", "{\"a\":null}", "\"\\u0000\"", "\"\\ud800\"", "\"" + new string('x', 100_000) + "\"", "\"é☃\"",
        "[\"a\",null]", "{\"Name\":null}", "[{\"Name\":null,\"Soft\":-1,\"Hard\":-2}]", "[{\"Type\":\"bind\"}]", "[{\"Type\":\"nosuch\",\"Target\":\"\"}]",
        "[{\"Type\":\"tmpfs\",\"Target\":\"relative\"}]", "[-1,-1]", "[99999999999,1]", "{\"Name\":\"always\",\"MaximumRetryCount\":-1}",
        "{\"Name\":\"on-failure\",\"MaximumRetryCount\":99999999999}", "{\"Type\":null,\"Config\":{\"max-size\":\"-1\"}}",
        "{\"Test\":[]}", "{\"Test\":[\"NONE\"],\"Interval\":-1}", "{\"Test\":[\"CMD-SHELL\"],\"Retries\":-5}", "[\"CMD\"]",
        "{\"80/tcp\":[{\"HostPort\":\"abc\"}]}", "{\"80/tcp\":null}", "{\"x\":{}}", "{\"nosuch/tcp\":{}}", "[\"nosuch\"]", "[\"ALL\"]",
        "[\"a=b=c\"]", "[\"=\"]", "[\"host\"]", "\"none\"", "\"host\"", "\"container:nosuch\"", "\"nosuch\"", "\"bridge\"", "\"SIGNOPE\"",
        "\"RTMAX+5\"", "\"99\"", "\"root:root:root\"", "\"99999999999\"", "\"../../..\"", "\"relative/dir\"", "{\"net.nosuch\":\"1\"}",
        "{\"kernel.shmmax\":\"x\"}", "[\"seccomp=nosuch.json\"]", "[\"apparmor=x\",\"label=\"]", "[\"no-new-privileges:maybe\"]", "[\"x:y:z\"]",
        "[\"ndots:-1\"]", "[\"1.2.3\"]", "[\"host:notanip\"]",
    ];
    private static readonly string[] ExtraKeys = ["Nosuch", "", "HostConfig", "image", "IMAGE", "__proto__", "Cmd", "\u0000"];

    private BerthDaemon _daemon = null!;
    private HttpClient _http = null!;
    private readonly List<string> _failures = [];
    private readonly Dictionary<int, int> _statuses = [];
    private readonly HashSet<string> _expectedImages = [];
    private readonly List<string> _real = [];
    private string _busyboxId = "";
    private byte[] _busyboxSave = [];
    private byte[] _smallTar = [];
    private int _setup;

    /// <summary>The template's one bind: an empty directory under the test daemon's root, read-only.</summary>
    private string BindSource => Path.Combine(_daemon.Root, "fuzz-bind");

    public async ValueTask InitializeAsync()
    {
        _daemon = await BerthDaemon.StartWithBusyboxAsync();
        Directory.CreateDirectory(BindSource);
        _http = _daemon.CreateHttpClient();
        _http.Timeout = Timeout.InfiniteTimeSpan; // each request has its own bound
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _daemon.DisposeAsync();
    }

    /// <summary>What a request may rightly wait for: nothing, its body (wait, attach, logs -f: the headers still come at once), or all of it (stop -t -1).</summary>
    private enum Blocks { No, Body, Whole }

    private sealed record FuzzRequest(string Method, string Path, byte[]? Body, string? ContentType, IReadOnlyList<(string Name, string Value)> Headers, Blocks Blocks = Blocks.No)
    {
        public override string ToString()
        {
            var text = $"{Method} {Shorten(Path, 300)}";
            foreach (var (name, value) in Headers) text += $" [{name}: {Shorten(value, 60)}]";
            if (ContentType is not null) text += $" [Content-Type: {ContentType}]";
            if (Body is not null) text += $" body({Body.Length}): {Shorten(Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 400))), 200)}";
            return text;
        }
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + $"…({text.Length})";

    [Fact]
    public async Task RandomRequestsGetDockersAnswersAndNeverBreakTheDaemon()
    {
        var random = new Random(Seed);
        var pid = _daemon.Pid;
        _busyboxId = await ImageIdAsync("busybox") ?? throw new InvalidOperationException("no busybox");
        _expectedImages.Add(_busyboxId);
        using (var save = await _http.GetAsync("/images/busybox/get", TestContext.Current.CancellationToken))
            _busyboxSave = await save.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        _smallTar = SmallTar();
        await EnsureRealContainersAsync();

        for (var i = 0; i < Requests; i++)
        {
            var request = Generate(random);
            var (status, body) = await SendAsync(i, request);
            if (status == 0) continue;
            await FollowUpAsync(random, i, request, status, body);
        }
        await RawRequestsAsync();

        Console.WriteLine($"api fuzz seed {Seed}, {Requests} requests: " + string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        Assert.True(_failures.Count == 0,
            $"seed {Seed} (BERTH_FUZZ_SEED={Seed} BERTH_FUZZ_REQUESTS={Requests}): {_failures.Count} failures\n" + string.Join("\n", _failures.Take(15)));
        // The fuzzer must get past routing and lookups: successes and validation failures both occur.
        Assert.True(_statuses.GetValueOrDefault(200) > Requests / 20 && _statuses.GetValueOrDefault(400) > Requests / 20
            && _statuses.GetValueOrDefault(404) > 10 && _statuses.GetValueOrDefault(201) > 5, string.Join(", ", _statuses));

        await AssertDaemonIntactAsync(pid);
    }

    /// <summary>After the storm: same process, answering, listing, no image but those that were imported whole, nothing crashed.</summary>
    private async Task AssertDaemonIntactAsync(int pid)
    {
        Assert.Equal(pid, _daemon.Pid);
        Assert.True(Directory.Exists($"/proc/{pid}"), "berthd is gone");
        using (var ping = await _http.GetAsync("/_ping"))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
            Assert.Equal("OK", await ping.Content.ReadAsStringAsync());
        }
        var ps = await _daemon.Berth("ps", "-a", "--no-trunc");
        Assert.True(ps.ExitCode == 0, ps.ToString());

        var images = await _daemon.Berth("images", "-a", "-q", "--no-trunc");
        Assert.True(images.ExitCode == 0, images.ToString());
        var listed = images.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
        Assert.Contains(_busyboxId, listed);
        var unexpected = listed.Where(id => !_expectedImages.Contains(id)).ToList();
        Assert.True(unexpected.Count == 0, $"images nobody imported whole: {string.Join(", ", unexpected)}");
        foreach (var id in listed)
        {
            var history = await _daemon.Berth("history", id);
            Assert.True(history.ExitCode == 0, $"history {id}: {history}");
        }
        // Refused loads and imports leave nothing in the stores' working directories.
        foreach (var temp in new[] { "image/tmp", "content/ingest", "layers/tmp" })
        {
            var dir = Path.Combine(_daemon.DataRoot, temp);
            var left = Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir) : [];
            Assert.True(left.Length == 0, $"{temp} keeps {string.Join(", ", left)}");
        }

        // Every container the test made goes, by the API; then none is left.
        foreach (var id in await ContainerIdsAsync())
        {
            using var remove = await _http.DeleteAsync($"/containers/{id}?force=1");
            Assert.True(remove.StatusCode == HttpStatusCode.NoContent, $"rm -f {id}: {(int)remove.StatusCode} {await remove.Content.ReadAsStringAsync()}");
        }
        Assert.Empty(await ContainerIdsAsync());

        var log = await _daemon.ReadLogAsync();
        if (Trace is not null) await File.WriteAllTextAsync(Trace + ".berthd.log", log);
        // A crash, or a request that never finished (Kestrel says so when it finds its connection collected).
        foreach (var crash in new[] { "Unhandled exception", "unhandled exception", "Process terminated", "FailFast", "Fatal error", "SIGSEGV", "application never completed" })
            Assert.False(log.Contains(crash), $"berthd log has \"{crash}\"");
        Assert.True(Directory.Exists($"/proc/{pid}"), "berthd is gone");
    }

    private async Task<List<string>> ContainerIdsAsync()
    {
        using var list = await _http.GetAsync("/containers/json?all=1");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        using var document = JsonDocument.Parse(await list.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray().Select(c => c.GetProperty("Id").GetString()!).ToList();
    }

    // ---- sending and judging ----

    private async Task<(int Status, string Body)> SendAsync(int index, FuzzRequest fuzz)
    {
        var uri = new Uri("http://berth" + fuzz.Path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), uri);
        if (fuzz.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
        }
        foreach (var (name, value) in fuzz.Headers) request.Headers.TryAddWithoutValidation(name, value);

        using var bound = new CancellationTokenSource(Bound);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(bound.Token);
        if (fuzz.Blocks == Blocks.Whole) grace.CancelAfter(StreamGrace);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, grace.Token);
        }
        catch (OperationCanceledException)
        {
            if (fuzz.Blocks == Blocks.Whole && !bound.IsCancellationRequested) return (0, "");
            Fail(index, fuzz, $"no answer within {Bound.TotalSeconds} s");
            return (0, "");
        }
        catch (HttpRequestException e)
        {
            Fail(index, fuzz, "connection failed: " + e.Message);
            return (0, "");
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            lock (_statuses) _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
            string body;
            using (var read = CancellationTokenSource.CreateLinkedTokenSource(grace.Token))
            {
                if (fuzz.Blocks != Blocks.No) read.CancelAfter(StreamGrace);
                try
                {
                    body = await ReadBodyAsync(response, read.Token);
                }
                catch (OperationCanceledException) when (fuzz.Blocks != Blocks.No && !bound.IsCancellationRequested)
                {
                    if (Trace is not null)
                        lock (_statuses) File.AppendAllText(Trace, $"#{index} {fuzz}\n    → {clock.ElapsedMilliseconds} ms {status} (still streaming)\n");
                    return (status, "");
                }
                catch (OperationCanceledException)
                {
                    Fail(index, fuzz, $"{status}, body not complete within {Bound.TotalSeconds} s");
                    return (status, "");
                }
                catch (Exception e) when (e is HttpRequestException or IOException)
                {
                    Fail(index, fuzz, $"{status}, body cut off: {e.Message}");
                    return (status, "");
                }
            }
            if (Trace is not null)
                lock (_statuses) File.AppendAllText(Trace, $"#{index} {fuzz}\n    → {clock.ElapsedMilliseconds} ms {status} {Shorten(body.ReplaceLineEndings(" "), 300)}\n");
            Judge(index, fuzz, status, body, response.Content.Headers.ContentType?.MediaType);
            return (status, body);
        }
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            if (buffer.Length < 1 << 20) buffer.Write(chunk, 0, read); // a saved image is read through, kept in part
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private void Judge(int index, FuzzRequest fuzz, int status, string body, string? mediaType)
    {
        if (status >= 400 && fuzz.Method != "HEAD")
        {
            string? message = null;
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    message = m.GetString();
            }
            catch (JsonException)
            {
            }
            if (status == 400 && body.Length == 0 && RejectedByKestrel(fuzz))
                return;
            if (string.IsNullOrWhiteSpace(message) || mediaType != "application/json")
            {
                Fail(index, fuzz, $"{status} without a JSON {{\"message\"}} ({mediaType}): {Shorten(body, 200)}");
                return;
            }
            if (Leak(message) is { } leak)
                Fail(index, fuzz, $"{status} leaks .NET (\"{leak}\"): {Shorten(message, 300)}");
            else if (status >= 500 && !ServerSideFailure(fuzz, message))
                Fail(index, fuzz, $"{status} for the client's mistake: {Shorten(message, 300)}");
        }
        else if (status >= 500)
        {
            Fail(index, fuzz, $"{status} (HEAD)");
        }
        // A stream that started fine may end in an error line: that must be docker's words too.
        if (status == 200 && body.Contains("\"error\"") && Leak(body) is { } streamLeak)
            Fail(index, fuzz, $"stream error leaks .NET (\"{streamLeak}\"): {Shorten(body, 300)}");
    }

    private static string? Leak(string message) =>
        DotNetLeaks.FirstOrDefault(message.Contains) ?? (ResourceKey.Match(message) is { Success: true } key ? key.Value : null);

    /// <summary>
    /// Where dockerd itself answers 500: the runtime failing a start, and a registry that cannot
    /// be reached (a pull or login to 127.0.0.1:1: "dial tcp 127.0.0.1:1: connect: connection refused").
    /// </summary>
    private static bool ServerSideFailure(FuzzRequest fuzz, string message)
    {
        var path = StripVersion(fuzz.Path.Split('?')[0]);
        if (path.EndsWith("/start", StringComparison.Ordinal) || path.EndsWith("/restart", StringComparison.Ordinal))
            return message.Contains("OCI runtime", StringComparison.Ordinal) || message.Contains("runc", StringComparison.Ordinal);
        return path is "/auth" or "/images/create" && message.Contains("dial tcp 127.0.0.1:1", StringComparison.Ordinal);
    }

    /// <summary>
    /// Kestrel refuses a NUL in the path (%00) itself, before any of berthd's code, with an empty
    /// 400 (dockerd: 404 No such container). Known, and not berthd's to fix.
    /// </summary>
    private static bool RejectedByKestrel(FuzzRequest fuzz) => fuzz.Path.Split('?')[0].Contains("%00", StringComparison.Ordinal);

    private void Fail(int index, FuzzRequest fuzz, string what)
    {
        lock (_failures) _failures.Add($"#{index} {fuzz}\n    → {what}");
    }

    // ---- keeping the fuzz reaching past the lookups ----

    /// <summary>What a request changed that later requests rely on: containers created, images imported or deleted.</summary>
    private async Task FollowUpAsync(Random random, int index, FuzzRequest fuzz, int status, string body)
    {
        var path = StripVersion(fuzz.Path.Split('?')[0]);
        if (fuzz.Method == "POST" && path == "/containers/create" && status == 201)
        {
            // Some of the odd but accepted configurations are started too, so they reach the runtime.
            var id = JsonDocument.Parse(body).RootElement.GetProperty("Id").GetString()!;
            if (random.Next(3) == 0)
                await SendAsync(index, new FuzzRequest("POST", $"/containers/{id}/start", null, null, []));
        }
        else if (fuzz.Method == "POST" && path == "/images/create" && status == 200)
        {
            foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var message = JsonDocument.Parse(line);
                if (message.RootElement.TryGetProperty("status", out var id) && id.GetString() is { } text && text.StartsWith("sha256:", StringComparison.Ordinal))
                    _expectedImages.Add(text);
            }
        }
        else if (fuzz.Method == "POST" && path == "/images/load" && status == 200)
        {
            foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var message = JsonDocument.Parse(line);
                if (!message.RootElement.TryGetProperty("stream", out var stream)) continue;
                var text = stream.GetString()!.Trim();
                if (text.StartsWith("Loaded image ID: ", StringComparison.Ordinal)) _expectedImages.Add(text["Loaded image ID: ".Length..]);
                else if (text.StartsWith("Loaded image: ", StringComparison.Ordinal) && await ImageIdAsync(text["Loaded image: ".Length..]) is { } loaded)
                    _expectedImages.Add(loaded);
            }
        }
        // A delete, a tag, an import or a load may have taken busybox:latest away.
        if (fuzz.Method == "DELETE" && status == 200 && path.StartsWith("/images/", StringComparison.Ordinal)
            || status == 201 && path.EndsWith("/tag", StringComparison.Ordinal) || status == 200 && path is "/images/create" or "/images/load")
            await EnsureBusyboxAsync();
        if (fuzz.Method == "DELETE" && status == 204 || index % 100 == 99)
            await EnsureRealContainersAsync();
    }

    private static string StripVersion(string path)
    {
        if (!path.StartsWith("/v", StringComparison.Ordinal)) return path;
        var slash = path.IndexOf('/', 1);
        return slash < 0 ? path : path[slash..];
    }

    private async Task<string?> ImageIdAsync(string name)
    {
        using var inspect = await _http.GetAsync($"/images/{name}/json");
        if (inspect.StatusCode != HttpStatusCode.OK) return null;
        using var document = JsonDocument.Parse(await inspect.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("Id").GetString();
    }

    /// <summary>busybox:latest names busybox again (a fuzzed delete or tag may have moved it), re-imported if its image went.</summary>
    private async Task EnsureBusyboxAsync()
    {
        if (await ImageIdAsync("busybox:latest") == _busyboxId) return;
        using var tag = await _http.PostAsync($"/images/{_busyboxId}/tag?repo=busybox&tag=latest", null);
        if (tag.StatusCode == HttpStatusCode.Created) return;
        await _daemon.ImportBusyboxAsync("busybox:latest");
        _busyboxId = await ImageIdAsync("busybox:latest") ?? throw new InvalidOperationException("busybox re-import failed");
        _expectedImages.Add(_busyboxId);
    }

    /// <summary>Three containers the fuzz aims at: one running `sleep 30`, one created, one exited; replaced when gone.</summary>
    private async Task EnsureRealContainersAsync()
    {
        await EnsureBusyboxAsync();
        string[] commands = ["sleep 30", "sleep 30", "true"];
        for (var i = 0; i < commands.Length; i++)
        {
            if (i < _real.Count)
            {
                using var inspect = await _http.GetAsync($"/containers/{_real[i]}/json");
                if (inspect.StatusCode == HttpStatusCode.OK)
                {
                    using var document = JsonDocument.Parse(await inspect.Content.ReadAsStringAsync());
                    if (i == 0 && !document.RootElement.GetProperty("State").GetProperty("Running").GetBoolean())
                        await StartRealAsync(_real[i]);
                    continue;
                }
            }
            var body = $$$"""{"Image":"busybox","Cmd":["sh","-c","{{{commands[i]}}}"],"StopTimeout":1,"Labels":{"fuzz":"real"}}""";
            using var create = await _http.PostAsync($"/containers/create?name=fuzz-real-{i}-{_setup++}", new StringContent(body, Encoding.UTF8, "application/json"));
            var text = await create.Content.ReadAsStringAsync();
            Assert.True(create.StatusCode == HttpStatusCode.Created, $"creating a real container: {text}");
            var id = JsonDocument.Parse(text).RootElement.GetProperty("Id").GetString()!;
            if (i < _real.Count) _real[i] = id;
            else _real.Add(id);
            if (i != 1) await StartRealAsync(id);
        }
    }

    private async Task StartRealAsync(string id)
    {
        using var start = await _http.PostAsync($"/containers/{id}/start", null);
        Assert.True(start.StatusCode is HttpStatusCode.NoContent or HttpStatusCode.NotModified, $"starting {id}: {await start.Content.ReadAsStringAsync()}");
    }

    // ---- generating ----

    private FuzzRequest Generate(Random random)
    {
        // Most requests reach the routes: no prefix or a supported one; some a version that is not.
        var version = random.Next(10) switch { < 5 => "", < 8 => Pick(random, Versions), _ => Pick(random, OddVersions) };
        var headers = new List<(string, string)>();
        if (random.Next(10) == 0) headers.Add(("X-Registry-Auth", RegistryAuth(random)));
        var request = random.Next(100) switch
        {
            < 4 => SystemRoute(random),
            < 10 => new FuzzRequest("GET", "/containers/json" + Query(random, ("all", Bools), ("limit", Ints), ("size", Bools), ("filters", Filters)), null, null, headers),
            < 26 => CreateContainer(random, headers),
            < 60 => ContainerVerb(random, headers),
            < 65 => new FuzzRequest("GET", "/images/json" + Query(random, ("all", Bools), ("digests", Bools), ("filters", Filters)), null, null, headers),
            < 75 => ImageVerb(random, headers),
            < 84 => Import(random, headers),
            < 87 => Pull(random, headers),
            < 92 => Load(random, headers),
            < 94 => new FuzzRequest("GET", "/images/get" + Query(random, ("names", [.. ImageNames, _busyboxId])), null, null, headers),
            < 97 => Login(random, headers),
            _ => new FuzzRequest(Pick(random, ["GET", "PUT", "PATCH", "OPTIONS", "FOO", "DELETE"]),
                Pick(random, ["/containers/json", "/containers/create", "/images/json", "/_ping", "/info", "/", "/containers", "/images", "//containers/json", "/containers/%2e%2e/json"]),
                random.Next(2) == 0 ? RandomBytes(random) : null, Pick(random, ContentTypes), headers),
        };
        return request with { Path = version + request.Path };
    }

    private static FuzzRequest SystemRoute(Random random) => random.Next(5) switch
    {
        0 => new FuzzRequest("GET", "/_ping", null, null, []),
        1 => new FuzzRequest("HEAD", "/_ping", null, null, []),
        2 => new FuzzRequest("GET", "/version", null, null, []),
        3 => new FuzzRequest("GET", "/info", null, null, []),
        _ => new FuzzRequest("POST", "/_ping", [], null, []),
    };

    private string ContainerTarget(Random random) => random.Next(10) switch
    {
        < 6 => Pick(random, _real),
        6 => Pick(random, _real)[..random.Next(1, 13)],
        _ => Pick(random, OddNames),
    };

    private FuzzRequest ContainerVerb(Random random, List<(string, string)> headers)
    {
        var target = ContainerTarget(random);
        var running = target == _real[0];
        var live = _real.Any(r => r.StartsWith(target, StringComparison.Ordinal)) && target.Length > 0;
        switch (random.Next(14))
        {
            case 0:
                return new FuzzRequest("GET", $"/containers/{target}/json" + Query(random, ("size", Bools)), null, null, headers);
            case 1:
                return new FuzzRequest("POST", $"/containers/{target}/start" + Query(random, ("detachKeys", ["ctrl-p,ctrl-q", "nosuch", ""])), null, null, headers);
            case 2 or 3:
            {
                var t = Pick(random, Ints);
                // A negative or long timeout rightly waits for `sleep 30` to end.
                var blocks = live && int.TryParse(t, out var seconds) && seconds is < 0 or > 10;
                var verb = random.Next(2) == 0 ? "stop" : "restart";
                return new FuzzRequest("POST", $"/containers/{target}/{verb}" + Query(random, ("t", [t]), ("signal", Signals)), null, null, headers, blocks ? Blocks.Whole : Blocks.No);
            }
            case 4:
                return new FuzzRequest("POST", $"/containers/{target}/kill" + Query(random, ("signal", Signals)), null, null, headers);
            case 5:
                return new FuzzRequest("POST", $"/containers/{target}/wait" + Query(random, ("condition", ["", "not-running", "next-exit", "removed", "bogus"])), null, null, headers, Blocks.Body);
            case 6:
            {
                var query = Query(random, ("stdout", Bools), ("stderr", Bools), ("follow", Bools), ("tail", ["", "all", "abc", "-1", "0", "5", "99999999999"]),
                    ("since", Times), ("until", Times), ("timestamps", Bools));
                return new FuzzRequest("GET", $"/containers/{target}/logs" + query, null, null, headers, Blocks.Body);
            }
            case 7:
                return new FuzzRequest("POST", $"/containers/{target}/rename" + Query(random, ("name", ["", "fuzz-renamed-" + random.Next(1000), "bad name!", "/slash", new string('n', 300), "%00"])), null, null, headers);
            case 8:
                return new FuzzRequest("POST", $"/containers/{target}/resize" + Query(random, ("h", Ints), ("w", Ints)), null, null, headers);
            case 9:
            {
                var query = Query(random, ("stream", Bools), ("stdin", Bools), ("stdout", Bools), ("stderr", Bools), ("logs", Bools), ("detachKeys", ["ctrl-p", "x"]));
                return new FuzzRequest("POST", $"/containers/{target}/attach" + query, random.Next(3) == 0 ? RandomBytes(random) : null, null, headers, Blocks.Body);
            }
            case 10:
                // Mostly not the running one: its replacement costs a start.
                if (running && random.Next(3) > 0) target = Pick(random, OddNames);
                return new FuzzRequest("DELETE", $"/containers/{target}" + Query(random, ("force", Bools), ("v", Bools), ("link", Bools)), null, null, headers);
            case 11:
                return new FuzzRequest(Pick(random, ["GET", "POST", "PUT", "DELETE"]), $"/containers/{target}/{Pick(random, ["nosuch", "json/x", "", "top", "stats", "export", "changes", "pause", "exec", "archive", "update"])}", null, null, headers);
            default:
                return new FuzzRequest("GET", $"/containers/{target}/json", null, null, headers);
        }
    }

    private FuzzRequest CreateContainer(Random random, List<(string, string)> headers)
    {
        var name = random.Next(3) switch
        {
            0 => "fuzz-" + random.Next(100_000),
            1 => Pick(random, OddNames),
            _ => null,
        };
        var query = name is null ? "" : "?name=" + name;
        if (random.Next(10) == 0) query += (query.Length == 0 ? "?" : "&") + Pick(random, ["name=a&name=b", "platform=windows", "platform=%2F", "platform=linux/amd64"]);
        // Mostly one mutation, sometimes none: enough creates succeed to reach the runtime.
        var body = MutateJson(random, CreateTemplate.Replace("@BIND@", BindSource), protectedKeys: [], mutations: random.Next(6) switch { 0 => 0, < 4 => 1, _ => 2 });
        return new FuzzRequest("POST", "/containers/create" + query, body, random.Next(8) == 0 ? Pick(random, ContentTypes) : "application/json", headers);
    }

    private FuzzRequest ImageVerb(Random random, List<(string, string)> headers)
    {
        var name = random.Next(5) switch
        {
            0 => _busyboxId,
            1 => _busyboxId[..random.Next(8, 20)],
            2 => Pick(random, OddNames),
            _ => Pick(random, ImageNames),
        };
        return random.Next(6) switch
        {
            0 => new FuzzRequest("GET", $"/images/{name}/json", null, null, headers),
            1 => new FuzzRequest("GET", $"/images/{name}/history", null, null, headers),
            2 => new FuzzRequest("POST", $"/images/{name}/tag" + Query(random, ("repo", Repos), ("tag", Tags)), null, null, headers),
            3 => new FuzzRequest("DELETE", $"/images/{name}" + Query(random, ("force", Bools), ("noprune", Bools)), null, null, headers),
            4 => new FuzzRequest("GET", $"/images/{name}/get", null, null, headers),
            _ => new FuzzRequest(Pick(random, ["GET", "POST"]), $"/images/{name}/{Pick(random, ["nosuch", "", "json/x", "prune"])}", null, null, headers),
        };
    }

    private FuzzRequest Import(Random random, List<(string, string)> headers)
    {
        var query = "?fromSrc=" + (random.Next(10) == 0 ? Pick(random, ["http://127.0.0.1:1/x.tar", "", "x", "--"]) : "-")
            + Query(random, ("repo", Repos), ("tag", Tags), ("message", ["", "fuzz", "%00", new string('m', 2000)]), ("platform", Platforms), ("changes", Changes)).Replace('?', '&');
        byte[] body = random.Next(8) switch
        {
            0 => [],
            1 => RandomBytes(random),
            2 => _smallTar[..random.Next(_smallTar.Length)],
            3 => Gzip(_smallTar)[..random.Next(1, 40)],
            4 => [0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff],
            5 => Flip(random, _smallTar),
            _ => _smallTar,
        };
        return new FuzzRequest("POST", "/images/create" + query, body, random.Next(3) == 0 ? Pick(random, ContentTypes) : "application/x-tar", headers);
    }

    private static FuzzRequest Pull(Random random, List<(string, string)> headers)
    {
        var query = "?fromImage=" + Pick(random, PullNames) + Query(random, ("tag", Tags), ("platform", Platforms)).Replace('?', '&');
        headers.Add(("X-Registry-Auth", RegistryAuth(random)));
        return new FuzzRequest("POST", "/images/create" + query, null, null, headers);
    }

    private FuzzRequest Load(Random random, List<(string, string)> headers)
    {
        byte[] body = random.Next(7) switch
        {
            0 => [],
            1 => RandomBytes(random),
            2 => _busyboxSave[..random.Next(_busyboxSave.Length)],
            3 => Flip(random, _busyboxSave),
            4 => ArchiveWith(random, "manifest.json", Pick(random, ["[]", "{}", "null", "[{\"Config\":null}]", "[{\"Config\":\"../../etc/passwd\",\"Layers\":[\"x\"]}]",
                "[{\"Config\":\"c.json\",\"RepoTags\":[\"bad tag\"],\"Layers\":[]}]", "[{\"Config\":\"c.json\",\"RepoTags\":null,\"Layers\":null}]", "[{", "[1]", "[null]"])),
            5 => ArchiveWith(random, "index.json", Pick(random, ["{}", "{\"manifests\":null}", "{\"manifests\":[{\"digest\":\"sha256:zz\"}]}", "[]", "{\"manifests\":[{\"digest\":\"sha256:" + new string('0', 64) + "\",\"size\":-1}]}"])),
            _ => _busyboxSave,
        };
        return new FuzzRequest("POST", "/images/load" + Query(random, ("quiet", Bools)), body, random.Next(3) == 0 ? Pick(random, ContentTypes) : "application/x-tar", headers);
    }

    private static FuzzRequest Login(Random random, List<(string, string)> headers)
    {
        // The address is never fuzzed (put first, truncation cannot leave another): a login goes only to 127.0.0.1:1.
        var template = AuthTemplate.Replace("@ADDRESS@", Pick(random, LoginAddresses));
        var body = MutateJson(random, template, protectedKeys: ["serveraddress"], mutations: random.Next(1, 3));
        // Whatever the mutation did, a body berthd would read as a login elsewhere (no address is
        // Docker Hub) is never sent.
        if (!LogsInToLoopbackOnly(body)) body = Encoding.UTF8.GetBytes(template);
        return new FuzzRequest("POST", "/auth", body, random.Next(4) == 0 ? Pick(random, ContentTypes) : "application/json", headers);
    }

    /// <summary>True unless the body parses (as berthd parses it) to a login with an address other than 127.0.0.1:1's.</summary>
    private static bool LogsInToLoopbackOnly(byte[] body)
    {
        var json = body.AsSpan().StartsWith("\uFEFF"u8) ? body[3..] : body; // a stream's BOM is skipped
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object) return true;
            var addresses = document.RootElement.EnumerateObject().Where(p => p.Name.Equals("serveraddress", StringComparison.OrdinalIgnoreCase)).ToList();
            return addresses.Count > 0 && addresses.All(a => a.Value.ValueKind == JsonValueKind.String && LoginAddresses.Contains(a.Value.GetString()));
        }
        catch (JsonException)
        {
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // invalid UTF-8 in a name or value: not checkable, so not sent
        }
    }

    private static string RegistryAuth(Random random)
    {
        string[] payloads = ["not json", "{\"username\":1}", "null", "[]", "{}", "{\"auth\":\"!!!\"}", "{\"auth\":\"dXNlcg==\"}", "{\"username\":\"u\",\"password\":\"p\",\"serveraddress\":\"127.0.0.1:1\"}", "{\"identitytoken\":null}"];
        return random.Next(4) switch
        {
            0 => Pick(random, ["!!!", "====", "e30", "%%%", "", new string('A', 10_000), "eyJ1c2VybmFtZSI6"]),
            1 => Convert.ToBase64String(Encoding.UTF8.GetBytes(Pick(random, payloads))).Replace('+', '-').Replace('/', '_'),
            _ => Convert.ToBase64String(Encoding.UTF8.GetBytes(Pick(random, payloads))),
        };
    }

    /// <summary>A query with some of the parameters, each maybe twice; values from their pools, sometimes raw bytes.</summary>
    private static string Query(Random random, params (string Name, string[] Values)[] parameters)
    {
        var parts = new List<string>();
        foreach (var (name, values) in parameters)
        {
            if (random.Next(3) == 0) continue;
            var count = random.Next(8) == 0 ? 2 : 1;
            for (var i = 0; i < count; i++)
            {
                var value = Pick(random, values);
                // Half escaped as a client would, half with the reserved characters left raw.
                var raw = value.Replace("&", "%26").Replace("#", "%23").Replace(" ", "%20");
                if (raw.Any(c => c > 127)) raw = Uri.EscapeDataString(raw);
                parts.Add(name + "=" + (random.Next(2) == 0 ? Uri.EscapeDataString(value) : raw));
            }
        }
        if (random.Next(20) == 0) parts.Add(Pick(random, ["&", "=", "a", "%", "%zz=1", "=x"]));
        return parts.Count == 0 ? "" : "?" + string.Join("&", parts);
    }

    /// <summary>
    /// A JSON document with one or two mutations: a field replaced by a value of any type, removed, an
    /// unknown field added, deep nesting, invalid UTF-8, truncation, or not JSON at all.
    /// </summary>
    private static byte[] MutateJson(Random random, string template, string[] protectedKeys, int mutations)
    {
        var node = JsonNode.Parse(template)!;
        var raw = new Dictionary<string, string>();
        for (var m = 0; m < mutations; m++)
        {
            var slots = Slots(node, protectedKeys).ToList();
            var (parent, key, index) = Pick(random, slots);
            var placeholder = $"@@FUZZ{raw.Count}@@";
            switch (random.Next(10))
            {
                case < 6:
                    raw[placeholder] = random.Next(12) == 0 ? new string('[', 5000) + new string(']', 5000) : random.Next(12) == 0 ? Nested(random.Next(60, 70)) : Pick(random, JsonValues);
                    Set(parent, key, index, placeholder);
                    break;
                case 6 when key is not null:
                    ((JsonObject)parent).Remove(key);
                    break;
                case 7:
                    if (node is JsonObject root)
                    {
                        raw[placeholder] = Pick(random, JsonValues);
                        root[Pick(random, ExtraKeys) + random.Next(3)] = placeholder;
                    }
                    break;
                default:
                    raw[placeholder] = Pick(random, JsonValues);
                    Set(parent, key, index, placeholder);
                    break;
            }
        }
        var text = node.ToJsonString();
        foreach (var (placeholder, value) in raw) text = text.Replace($"\"{placeholder}\"", value);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (mutations == 0) return bytes;
        return random.Next(12) switch
        {
            0 => bytes[..random.Next(bytes.Length)],
            1 => InsertInvalidUtf8(random, bytes, protectedKeys.Length > 0 ? text.IndexOf("\"username\"", StringComparison.Ordinal) : 0),
            2 => random.Next(4) switch { 0 => [], 1 => "null"u8.ToArray(), 2 => RandomBytes(random), _ => Encoding.UTF8.GetBytes(Pick(random, ["[]", "\"x\"", "1e999", "{}", "{", "{\"Image\":", "\uFEFF{}"])) },
            _ => bytes,
        };
    }

    private static string Nested(int depth) => new string('[', depth) + "1" + new string(']', depth);

    private static IEnumerable<(JsonNode Parent, string? Key, int Index)> Slots(JsonNode node, string[] protectedKeys)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj.ToList())
                {
                    if (protectedKeys.Contains(key)) continue;
                    yield return (obj, key, -1);
                    if (child is not null)
                        foreach (var slot in Slots(child, protectedKeys)) yield return slot;
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    yield return (array, null, i);
                    if (array[i] is { } child)
                        foreach (var slot in Slots(child, protectedKeys)) yield return slot;
                }
                break;
        }
    }

    private static void Set(JsonNode parent, string? key, int index, string value)
    {
        if (key is not null) ((JsonObject)parent)[key] = value;
        else ((JsonArray)parent)[index] = value;
    }

    private static byte[] InsertInvalidUtf8(Random random, byte[] bytes, int after)
    {
        // Inside a string value, after any protected member.
        var quotes = Enumerable.Range(Math.Max(after, 0), bytes.Length - Math.Max(after, 0)).Where(i => bytes[i] == (byte)'"').ToList();
        if (quotes.Count == 0) return bytes;
        var at = Pick(random, quotes) + 1;
        byte[] bad = Pick(random, new[] { new byte[] { 0xff }, [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82] });
        return [.. bytes[..at], .. bad, .. bytes[at..]];
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 2048)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Flip(Random random, byte[] bytes)
    {
        var copy = bytes.ToArray();
        for (var i = 0; i < 3 && copy.Length > 0; i++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        return output.ToArray();
    }

    /// <summary>A two-file rootfs: what a valid import needs, small enough to import hundreds of times.</summary>
    private static byte[] SmallTar()
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "etc/"));
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/fuzz") { DataStream = new MemoryStream("fuzz\n"u8.ToArray()) });
        }
        return output.ToArray();
    }

    private static byte[] ArchiveWith(Random random, string name, string content)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            if (random.Next(2) == 0)
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "c.json") { DataStream = new MemoryStream("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"u8.ToArray()) });
            if (random.Next(2) == 0)
                writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "x") { LinkName = "../../../../etc/passwd" });
        }
        return output.ToArray();
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    // ---- framing HttpClient will not send ----

    /// <summary>Malformed framing straight on the socket: each gets an answer (or a close) in time, never a 5xx.</summary>
    private async Task RawRequestsAsync()
    {
        string[] requests =
        [
            // A body shorter than its Content-Length, then the client's write side closes.
            "POST /containers/create HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n{\"Image\":\"busybox\"",
            "POST /images/load HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\nshort",
            "POST /images/create?fromSrc=- HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n" + new string('\0', 512),
            "POST /auth HTTP/1.1\r\nHost: h\r\nContent-Length: 500\r\n\r\n{\"serveraddress\":\"127.0.0.1:1\",",
            "POST /containers/create HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "POST /containers/create HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "POST /containers/create HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "POST /images/load HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            "GET /containers/\xff\xfe/json HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /containers/json?filters=\xff HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /v1.47/../../../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET http://evil/_ping HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /_ping HTTP/9.9\r\nHost: h\r\n\r\n",
            "POST /containers/x/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
        ];
        foreach (var raw in requests)
        {
            var first = raw.Split('\r')[0];
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_daemon.Socket));
            await socket.SendAsync(Encoding.Latin1.GetBytes(raw.Replace("Host: h\r\n", "Host: h\r\nConnection: close\r\n")));
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[256];
            using var timeout = new CancellationTokenSource(Bound);
            try
            {
                var read = await socket.ReceiveAsync(buffer, timeout.Token);
                var statusLine = Encoding.Latin1.GetString(buffer, 0, read).Split('\r')[0];
                // 505 is HTTP's own answer to HTTP/9.9.
                if (read > 0 && (statusLine.Length < 12 || statusLine[9] == '5' && !statusLine.Contains(" 505 ")))
                    lock (_failures) _failures.Add($"raw {first}\n    → {statusLine}");
            }
            catch (OperationCanceledException)
            {
                lock (_failures) _failures.Add($"raw {first}\n    → no answer within {Bound.TotalSeconds} s");
            }
        }
    }
}
