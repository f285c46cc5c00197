using System.Net;
using System.Text;
using System.Text.Json;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// Bad requests over the raw Engine API: docker's status codes and {"message": ...} bodies,
/// version prefixes, and a daemon that keeps answering /_ping after each.
/// </summary>
public sealed class ApiErrorTests(DaemonFixture fixture) : IClassFixture<DaemonFixture>, IDisposable
{
    private BerthDaemon Daemon => fixture.Daemon;
    private readonly HttpClient _http = fixture.Daemon.CreateHttpClient();

    public void Dispose() => _http.Dispose();

    private static string Name(string prefix) => DaemonFixture.UniqueName(prefix);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Asserts the status, that the body is {"message": ...} JSON, and returns the message.</summary>
    private static async Task<string> ExpectError(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        var message = document.RootElement.GetProperty("message").GetString();
        Assert.False(string.IsNullOrEmpty(message));
        return message!;
    }

    private async Task AssertPingAsync()
    {
        using var ping = await _http.GetAsync("/_ping");
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal("OK", await ping.Content.ReadAsStringAsync());
    }

    private async Task<string> CreateAsync(string name, string cmd = "sleep 300")
    {
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["Image"] = "busybox",
            ["Cmd"] = cmd.Split(' '),
        });
        using var response = await _http.PostAsync($"/containers/create?name={name}", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("Id").GetString()!;
    }

    [Fact]
    public async Task UnknownImageIs404NoSuchImage()
    {
        var image = Name("nosuchimage");
        using (var create = await _http.PostAsync("/containers/create", Json($$"""{"Image": "{{image}}"}"""), TestContext.Current.CancellationToken))
            Assert.StartsWith($"No such image: {image}", await ExpectError(create, HttpStatusCode.NotFound));
        using (var inspect = await _http.GetAsync($"/images/{image}/json", TestContext.Current.CancellationToken))
            Assert.StartsWith($"No such image: {image}", await ExpectError(inspect, HttpStatusCode.NotFound)); // dockerd adds ":latest"
        using (var remove = await _http.DeleteAsync($"/images/{image}", TestContext.Current.CancellationToken))
            Assert.StartsWith($"No such image: {image}", await ExpectError(remove, HttpStatusCode.NotFound));
        await AssertPingAsync();

        // The CLIs say the same.
        // create pulls a missing image first (--pull missing), and fails as docker's create does: exit 1.
        var berth = await Daemon.Berth("create", image);
        Assert.Equal(1, berth.ExitCode);
        Assert.Contains($"Unable to find image '{image}:latest' locally", berth.Stderr);
        var never = await Daemon.Berth("create", "--pull", "never", image);
        Assert.Equal(1, never.ExitCode);
        Assert.Contains($"No such image: {image}", never.Stderr);
        var docker = await Daemon.Docker("image", "inspect", image);
        Assert.Equal(1, docker.ExitCode);
        Assert.Contains($"No such image: {image}", docker.Stderr);
        await AssertPingAsync();
    }

    [Theory]
    [InlineData("GET", "/containers/{0}/json")]
    [InlineData("POST", "/containers/{0}/start")]
    [InlineData("POST", "/containers/{0}/stop")]
    [InlineData("POST", "/containers/{0}/kill")]
    [InlineData("POST", "/containers/{0}/wait")]
    [InlineData("DELETE", "/containers/{0}")]
    [InlineData("GET", "/containers/{0}/logs?stdout=1")]
    [InlineData("POST", "/containers/{0}/rename?name=whatever")]
    public async Task UnknownContainerIs404NoSuchContainer(string method, string path)
    {
        var name = Name("nosuchcontainer");
        using var request = new HttpRequestMessage(new HttpMethod(method), string.Format(path, name));
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal($"No such container: {name}", await ExpectError(response, HttpStatusCode.NotFound));
        await AssertPingAsync();
    }

    [Fact]
    public async Task NameInUseIs409NamingTheContainer()
    {
        var name = Name("taken");
        var id = await CreateAsync(name);
        using var response = await _http.PostAsync($"/containers/create?name={name}", Json("""{"Image": "busybox", "Cmd": ["true"]}"""), TestContext.Current.CancellationToken);
        var message = await ExpectError(response, HttpStatusCode.Conflict);
        Assert.Contains($"\"/{name}\"", message);
        Assert.Contains(id, message);
        Assert.Contains("already in use", message);
        await AssertPingAsync();

        var docker = await Daemon.Docker("create", "--name", name, "busybox");
        Assert.NotEqual(0, docker.ExitCode);
        Assert.Contains("Conflict", docker.Stderr);
        Assert.Contains(name, docker.Stderr);
        await Daemon.Berth("rm", name);
    }

    [Theory]
    [InlineData("{\"Image\": \"busybox\", ")]
    [InlineData("not json at all")]
    [InlineData("{\"Image\": \"busybox\", \"Cmd\": 42}")]
    [InlineData("[1, 2, 3]")]
    public async Task MalformedJsonToCreateIs400(string body)
    {
        using var response = await _http.PostAsync($"/containers/create?name={Name("bad")}", Json(body), TestContext.Current.CancellationToken);
        await ExpectError(response, HttpStatusCode.BadRequest);
        await AssertPingAsync();
    }

    // The message names the field or the position, not .NET's resource keys and type names.
    [Theory]
    [InlineData("""{"Image": "busybox", "Env": "A=b"}""", "malformed JSON: wrong type or invalid value for $.Env")]
    [InlineData("""{"Image": "busybox", "HostConfig": {"Memory": 99999999999999999999}}""", "malformed JSON: wrong type or invalid value for $.HostConfig.Memory")]
    [InlineData("""{"Image": "busybox", "Cmd": ["true",""", "malformed JSON: syntax error at line 1, byte 36")]
    public async Task MalformedJsonNamesTheProblem(string body, string expected)
    {
        using var response = await _http.PostAsync($"/containers/create?name={Name("bad")}", Json(body), TestContext.Current.CancellationToken);
        Assert.Equal(expected, await ExpectError(response, HttpStatusCode.BadRequest));
    }

    // Nulls inside lists were accepted and crashed create or start with a 500 (NullReferenceException).
    [Theory]
    [InlineData("""{"Image": "busybox", "Env": ["A=b", null]}""", "$.Env[1]")]
    [InlineData("""{"Image": "busybox", "HostConfig": {"Binds": [null]}}""", "$.HostConfig.Binds[0]")]
    [InlineData("""{"Image": "busybox", "HostConfig": {"Mounts": [null]}}""", "$.HostConfig.Mounts[0]")]
    [InlineData("""{"Image": "busybox", "HostConfig": {"Ulimits": [null]}}""", "$.HostConfig.Ulimits[0]")]
    [InlineData("""{"Image": "busybox", "HostConfig": {"CapDrop": [null]}}""", "$.HostConfig.CapDrop[0]")]
    [InlineData("""{"Image": "busybox", "HostConfig": {"Dns": ["1.1.1.1", null]}}""", "$.HostConfig.Dns[1]")]
    public async Task NullListEntriesAre400(string body, string where)
    {
        using var response = await _http.PostAsync($"/containers/create?name={Name("nulls")}", Json(body), TestContext.Current.CancellationToken);
        Assert.Equal($"malformed JSON: null is not allowed at {where}", await ExpectError(response, HttpStatusCode.BadRequest));
        await AssertPingAsync();
    }

    // Filters of the wrong shape are the client's mistake (they were 500s: JsonElementHasWrongType).
    [Theory]
    [InlineData("/containers/json", "\"x\"", "invalid filters: filters must be a JSON object")]
    [InlineData("/containers/json", "[1,2]", "invalid filters: filters must be a JSON object")]
    [InlineData("/containers/json", """{"status":[1]}""", "invalid filter 'status': filters must be a JSON object")]
    [InlineData("/images/json", "1", "invalid filters: filters must be a JSON object")]
    [InlineData("/images/json", """{"reference":[[]]}""", "invalid filter 'reference': filters must be a JSON object")]
    [InlineData("/images/json", """{"dangling":"true"}""", "invalid filter 'dangling': filters must be a JSON object")]
    [InlineData("/containers/json", "{", "invalid filters: syntax error at line 1, byte 2")]
    public async Task FiltersOfTheWrongShapeAre400(string path, string filters, string expected)
    {
        using var response = await _http.GetAsync($"{path}?filters={Uri.EscapeDataString(filters)}", TestContext.Current.CancellationToken);
        Assert.StartsWith(expected, await ExpectError(response, HttpStatusCode.BadRequest));
        await AssertPingAsync();
    }

    // Any int64 of seconds is a time to dockerd; beyond .NET's years 1–9999 these were 500s (ArgumentOutOfRange).
    [Theory]
    [InlineData("since=-99999999999999", "hi\n")]
    [InlineData("since=99999999999999", "")]
    [InlineData("until=-9223372036854775808", "")]
    [InlineData("until=9223372036854775807.5", "hi\n")]
    public async Task LogTimesOutOfRangeAreTheEndsOfTime(string query, string expected)
    {
        var name = Name("logtimes");
        await CreateAsync(name, "echo hi");
        using (var start = await _http.PostAsync($"/containers/{name}/start", null, TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, start.StatusCode);
        using (var wait = await _http.PostAsync($"/containers/{name}/wait", null, TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.OK, wait.StatusCode);
        var logs = await Daemon.Berth("logs", name);
        Assert.Equal("hi\n", logs.Stdout);

        using var response = await _http.GetAsync($"/containers/{name}/logs?stdout=1&{query}", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, Encoding.UTF8.GetString(body));
        // One multiplexed frame per line: 8-byte header, then the line.
        Assert.Equal(expected, body.Length == 0 ? "" : Encoding.UTF8.GetString(body, 8, body.Length - 8));
        await Daemon.Berth("rm", name);
    }

    // A timeout past Task.Delay's ~49 days was a 500 (Task_InvalidTimerTimeSpan) after the signal went.
    [Theory]
    [InlineData("stop")]
    [InlineData("restart")]
    public async Task AHugeStopTimeoutWaitsForTheExit(string verb)
    {
        var name = Name("hugetimeout");
        var body = """{"Image": "busybox", "Cmd": ["sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 300 & wait"]}""";
        using (var create = await _http.PostAsync($"/containers/create?name={name}", Json(body), TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        using (var start = await _http.PostAsync($"/containers/{name}/start", null, TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, start.StatusCode);
        // PID 1 ignores a TERM it has no handler for yet: stop only once the trap is in place.
        await Daemon.WaitForLogLineAsync(name, "ready");
        using (var stop = await _http.PostAsync($"/containers/{name}/{verb}?t=2147483647", null, TestContext.Current.CancellationToken))
            Assert.True(stop.StatusCode == HttpStatusCode.NoContent, $"{(int)stop.StatusCode} {await stop.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        using (var remove = await _http.DeleteAsync($"/containers/{name}?force=1", TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
    }

    [Fact]
    public async Task InvalidContainerNameIs400()
    {
        using var response = await _http.PostAsync("/containers/create?name=bad%20name!", Json("""{"Image": "busybox"}"""), TestContext.Current.CancellationToken);
        Assert.Contains("Invalid container name", await ExpectError(response, HttpStatusCode.BadRequest));
        await AssertPingAsync();
    }

    [Fact]
    public async Task RemovingARunningContainerWithoutForceIs409()
    {
        var name = Name("running");
        var id = await CreateAsync(name);
        using (var start = await _http.PostAsync($"/containers/{name}/start", null, TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, start.StatusCode);

        using (var remove = await _http.DeleteAsync($"/containers/{name}", TestContext.Current.CancellationToken))
        {
            var message = await ExpectError(remove, HttpStatusCode.Conflict);
            Assert.Contains("running container", message.Replace("container is running", "running container"));
            // dockerd 20.10 names the container by ID, 25+ by name.
            Assert.True(message.Contains(id) || message.Contains(name), message);
        }
        await AssertPingAsync();
        using (var inspect = await _http.GetAsync($"/containers/{name}/json", TestContext.Current.CancellationToken))
        {
            using var document = JsonDocument.Parse(await inspect.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.True(document.RootElement.GetProperty("State").GetProperty("Running").GetBoolean());
        }

        using (var again = await _http.PostAsync($"/containers/{name}/start", null, TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        using (var force = await _http.DeleteAsync($"/containers/{name}?force=1", TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, force.StatusCode);
        using (var gone = await _http.GetAsync($"/containers/{name}/json", TestContext.Current.CancellationToken))
            await ExpectError(gone, HttpStatusCode.NotFound);
        await AssertPingAsync();
    }

    [Theory]
    [InlineData("/v1.24/version")]
    [InlineData("/v1.47/version")]
    [InlineData("/version")]
    [InlineData("/v1.24/containers/json?all=1")]
    [InlineData("/v1.47/containers/json?all=1")]
    [InlineData("/v1.24/images/json")]
    [InlineData("/v1.47/images/json")]
    [InlineData("/v1.40/_ping")]
    public async Task SupportedVersionedPathsWork(string path)
    {
        using var response = await _http.GetAsync(path, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("1.47", response.Headers.GetValues("Api-Version").Single());
        if (path.Contains("/version"))
        {
            using var document = JsonDocument.Parse(body);
            Assert.Equal("1.47", document.RootElement.GetProperty("ApiVersion").GetString());
            Assert.Equal("1.24", document.RootElement.GetProperty("MinAPIVersion").GetString());
        }
        else if (path.Contains("/json"))
        {
            using var document = JsonDocument.Parse(body);
            Assert.Equal(JsonValueKind.Array, document.RootElement.ValueKind);
        }
    }

    [Fact]
    public async Task OldApiVersionCreatesAndRunsContainers()
    {
        var name = Name("v124");
        using (var create = await _http.PostAsync($"/v1.24/containers/create?name={name}", Json("""{"Image": "busybox", "Cmd": ["sh", "-c", "exit 2"]}"""), TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        using (var start = await _http.PostAsync($"/v1.24/containers/{name}/start", null, TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, start.StatusCode);
        using (var wait = await _http.PostAsync($"/v1.24/containers/{name}/wait", null, TestContext.Current.CancellationToken))
        {
            using var document = JsonDocument.Parse(await wait.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            Assert.Equal(2, document.RootElement.GetProperty("StatusCode").GetInt32());
        }
        using (var remove = await _http.DeleteAsync($"/v1.24/containers/{name}", TestContext.Current.CancellationToken))
            Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
    }

    [Theory]
    [InlineData("/v1.99/version", "too new")]
    [InlineData("/v1.99/containers/json", "too new")]
    [InlineData("/v1.48/info", "too new")]
    [InlineData("/v1.12/version", "too old")]
    public async Task UnsupportedApiVersionsAre400(string path, string why)
    {
        using var response = await _http.GetAsync(path, TestContext.Current.CancellationToken);
        var message = await ExpectError(response, HttpStatusCode.BadRequest);
        Assert.Contains(why, message);
        await AssertPingAsync();
    }

    [Theory]
    [InlineData("GET", "/v1.47/no/such/route")]
    // A last segment with a dot looked like a file to the fallback route: an empty 404.
    [InlineData("GET", "/v1.47/no/such.route")]
    [InlineData("DELETE", "/V1.47/containers/..%2F..%2Fetc")]
    [InlineData("GET", "/v1.47.1/images/json")]
    public async Task UnknownRouteIs404Json(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri("http://berth" + path, new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true }));
        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal("page not found", await ExpectError(response, HttpStatusCode.NotFound));
        await AssertPingAsync();
    }

    [Fact]
    public async Task PingAnswersOkWithDockerHeaders()
    {
        using var ping = await _http.GetAsync("/_ping", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal("OK", await ping.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("1.47", ping.Headers.GetValues("Api-Version").Single());
        Assert.Equal("linux", ping.Headers.GetValues("Ostype").Single());
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/_ping"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
    }
}
