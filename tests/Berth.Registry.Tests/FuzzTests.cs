using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Registry.Tests.Conformance;
using Xunit;

namespace Berth.Registry.Tests;

/// <summary>
/// Random methods, paths, headers and bodies (seeded, so a failure replays) against a running
/// registry with deletes on: no 5xx, still serving afterwards, and nothing written outside --root.
/// </summary>
public sealed class FuzzTests(DeletingRegistryFixture fixture) : IClassFixture<DeletingRegistryFixture>
{
    // BERTH_FUZZ_SEED and BERTH_FUZZ_REQUESTS explore further than the default run.
    private static readonly int Requests = int.TryParse(Environment.GetEnvironmentVariable("BERTH_FUZZ_REQUESTS"), out var n) ? n : 3000;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("BERTH_FUZZ_SEED"), out var s) ? s : 20261128;
    private readonly OciClient _oci = new(fixture.Client);

    // Weighted towards the methods the API serves, so that most requests get past routing.
    private static readonly string[] Methods = ["GET", "GET", "GET", "HEAD", "HEAD", "PUT", "PUT", "POST", "POST", "PATCH", "PATCH", "DELETE", "OPTIONS", "FOO"];
    private static readonly string[] Names =
    [
        "fuzz", "fuzz/app", "a..b", "../etc", "a/../../b", "%2e%2e", "%2e%2e%2fescape", "UPPER", "a%2Fb", "%ff%fe", "%c3%28", "a_b", "a__b",
        "-a", "a-", ".", "..", "", "_blobs", "x/_manifests", new string('a', 300), "fuzz%00null", "fuzz/%2e%2e/%2e%2e/%2e%2e/tmp",
    ];
    private static readonly string[] Digests =
    [
        TestData.DummyDigest, "sha256:", "sha256:abc", "sha512:" + new string('a', 128), "md5:d41d8cd98f00b204e9800998ecf8427e",
        "sha256:" + new string('g', 64), "sha256:" + new string('A', 64), "sha256:../../../../etc/passwd", "%ff", ":", "sha256:%2e%2e",
    ];
    private static readonly string[] Tags = ["latest", "v1", ".INVALID", "-x", new string('t', 200), "..", "%2e%2e", "a%2fb", "%ff%ff", "TAG"];
    private static readonly string[] Ranges =
    [
        "0-", "-5", "0-0", "5-2", "abc", "0-9223372036854775807", "9223372036854775807-9223372036854775808", "-9-3", "bytes */*",
        "bytes 0-3/4", "0--1", "1-1-1", "", "0-99999999999999999999999", " 0 - 3 ",
    ];
    private static readonly string[] RangeHeaders = ["bytes=0-", "bytes=-0", "bytes=-1", "bytes=9223372036854775807-", "bytes=0-1,3-4", "bytes=x-y", "bytes=", "items=1-2", "bytes=-99999999999999999999"];
    private static readonly string[] ContentTypes =
    [
        OciClient.OciManifest, OciClient.OciIndex, OciClient.DockerManifest, OciClient.DockerManifestList, "application/json", "text/plain; charset=utf-8",
        "application/vnd.oci.image.manifest.v1+json; x=\"", "",
    ];

    [Fact]
    public async Task RandomRequestsNeverGive5xxOrEscapeTheRoot()
    {
        var random = new Random(Seed);
        var set = ContentSets.Build("multi-platform-index");
        foreach (var blob in set.Blobs) await _oci.PushBlobAsync("fuzz", blob);
        foreach (var pushed in set.Manifests) await _oci.PushManifestAsync("fuzz", pushed.Tag ?? pushed.Digest, pushed.Bytes, pushed.MediaType);
        var knownDigests = set.Blobs.Select(TestData.Digest).Concat(set.Manifests.Select(m => m.Digest)).ToList();
        var uploads = new List<string>();
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();

        for (var i = 0; i < Requests; i++)
        {
            var method = Pick(random, Methods);
            var path = RandomPath(random, knownDigests, uploads);
            // Absolute, so that a path beginning with "//" is not read as a host.
            var root = fixture.Client.BaseAddress!.GetLeftPart(UriPartial.Authority);
            using var request = new HttpRequestMessage(new HttpMethod(method), root + (path.StartsWith('/') ? path : "/" + path));
            if (random.Next(3) > 0 && method is not ("GET" or "HEAD" or "TRACE"))
            {
                request.Content = new ByteArrayContent(RandomBody(random, set));
                if (random.Next(2) == 0) request.Content.Headers.TryAddWithoutValidation("Content-Type", Pick(random, ContentTypes));
                if (random.Next(3) == 0) request.Content.Headers.TryAddWithoutValidation("Content-Range", Pick(random, Ranges));
            }
            if (random.Next(4) == 0) request.Headers.TryAddWithoutValidation("Range", Pick(random, RangeHeaders));
            if (random.Next(4) == 0) request.Headers.TryAddWithoutValidation("Accept", Pick(random, ContentTypes));
            if (random.Next(8) == 0) request.Headers.TryAddWithoutValidation("If-None-Match", "\"" + Pick(random, Digests) + "\"");
            HttpResponseMessage response;
            try
            {
                response = await fixture.Client.SendAsync(request, TestContext.Current.CancellationToken);
            }
            catch (HttpRequestException e)
            {
                failures.Add($"#{i} {method} {path}: connection failed: {e.Message}");
                continue;
            }
            using (response)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                if ((int)response.StatusCode >= 500)
                    failures.Add($"#{i} {method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
                if (response.Headers.Location?.OriginalString is { } location && location.Contains("/blobs/uploads/") && uploads.Count < 50)
                    uploads.Add(location);
            }
        }

        failures.AddRange(await RawRequestsAsync());
        Console.WriteLine("fuzz statuses: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        // The fuzzer must reach past routing: successes, uploads and validation failures all occur.
        Assert.True(statuses.GetValueOrDefault(200) > 50 && statuses.GetValueOrDefault(202) > 10 && statuses.GetValueOrDefault(400) > 50,
            string.Join(", ", statuses));
        Assert.True(failures.Count == 0, $"seed {Seed}:\n" + string.Join("\n", failures.Take(20)));
        using var ping = await fixture.Client.GetAsync("/v2/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal(["root"], Directory.GetFileSystemEntries(fixture.Sandbox).Select(Path.GetFileName));
        Assert.Equal(["content", "repositories", "uploads"], Directory.GetDirectories(fixture.Root).Select(Path.GetFileName).Order());
        // The pushed image is intact unless the fuzzer deleted it by luck; either way it is served whole or not at all.
        using var manifest = await fixture.Client.GetAsync($"/v2/fuzz/manifests/{set.Manifests[0].Digest}", TestContext.Current.CancellationToken);
        if (manifest.StatusCode == HttpStatusCode.OK) Assert.Equal(set.Manifests[0].Bytes, await manifest.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Requests HttpClient will not send: malformed framing and raw bytes, straight over TCP.</summary>
    private async Task<List<string>> RawRequestsAsync()
    {
        var failures = new List<string>();
        var host = fixture.Client.BaseAddress!;
        string[] requests =
        [
            "PATCH /v2/fuzz/blobs/uploads/x HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
            "PUT /v2/fuzz/manifests/latest HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "GET /v2/fuzz/../../../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET /v2/\xff\xfe/tags/list HTTP/1.1\r\nHost: h\r\n\r\n",
            "GET http://evil/v2/ HTTP/1.1\r\nHost: h\r\n\r\n",
            "POST /v2/fuzz/blobs/uploads/?digest=sha256:00 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "GET /v2/fuzz/tags/list?n=99999999999999999999&last=%ff HTTP/1.1\r\nHost: h\r\n\r\n",
            "DELETE /v2/fuzz/blobs/uploads/00000000-0000-0000-0000-000000000000 HTTP/1.1\r\nHost: h\r\n\r\n",
        ];
        foreach (var raw in requests)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host.Host, host.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.Latin1.GetBytes(raw.Replace("Host: h\r\n", "Host: h\r\nConnection: close\r\n")));
            var buffer = new byte[64];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var statusLine = Encoding.Latin1.GetString(buffer, 0, read);
            if (statusLine.Length < 12 || statusLine[9] == '5') failures.Add($"raw {raw.Split('\r')[0]}: {statusLine.Split('\r')[0]}");
        }
        return failures;
    }

    private static string RandomPath(Random random, List<string> digests, List<string> uploads)
    {
        if (uploads.Count > 0 && random.Next(5) == 0)
        {
            var upload = Pick(random, uploads);
            return random.Next(3) == 0 ? upload + "?digest=" + Pick(random, random.Next(2) == 0 ? digests.ToArray() : Digests) : upload;
        }
        var name = random.Next(3) == 0 ? Pick(random, Names) : "fuzz";
        var digest = random.Next(2) == 0 ? Pick(random, digests.ToArray()) : Pick(random, Digests);
        var route = random.Next(9) switch
        {
            0 => $"/v2/{name}/blobs/{digest}",
            1 => $"/v2/{name}/blobs/uploads/",
            2 => $"/v2/{name}/blobs/uploads/{(random.Next(2) == 0 ? Guid.NewGuid().ToString() : Pick(random, Names))}",
            3 => $"/v2/{name}/manifests/{(random.Next(2) == 0 ? digest : Pick(random, Tags))}",
            4 => $"/v2/{name}/tags/list",
            5 => $"/v2/{name}/referrers/{digest}",
            6 => "/v2/_catalog",
            7 => "/v2/",
            _ => "/" + string.Join("/", Enumerable.Range(0, random.Next(1, 6)).Select(_ => Pick(random, Names))),
        };
        var query = random.Next(4) switch
        {
            0 => $"?digest={Pick(random, Digests)}",
            1 => $"?mount={digest}&from={Pick(random, Names)}",
            2 => $"?n={Pick(random, ["-1", "0", "1", "99999999999", "x", ""])}&last={Pick(random, Tags)}",
            _ => random.Next(2) == 0 ? $"?tag={Pick(random, Tags)}&artifactType={Pick(random, ContentTypes)}" : "",
        };
        return route + query;
    }

    private static byte[] RandomBody(Random random, ContentSet set) => random.Next(6) switch
    {
        0 => [],
        1 => TestData.Bytes(random, random.Next(1, 5000)),
        2 => Pick(random, set.Manifests.ToArray()).Bytes,
        3 => Mutate(random, Pick(random, set.Manifests.ToArray()).Bytes),
        4 => [0xff, 0xfe, 0xc3, 0x28, 0x7b, 0x22],
        _ => Encoding.UTF8.GetBytes($$"""{"schemaVersion":{{random.Next(-1, 4)}},"config":{"digest":"{{Pick(random, Digests)}}","size":{{random.NextInt64(long.MinValue, long.MaxValue)}}},"layers":[],"subject":{"digest":"{{TestData.DummyDigest}}"},"manifests":[{"digest":"{{Pick(random, Digests)}}"}]}"""),
    };

    private static byte[] Mutate(Random random, byte[] bytes)
    {
        var copy = bytes.ToArray();
        for (var i = 0; i < 3 && copy.Length > 0; i++) copy[random.Next(copy.Length)] = (byte)random.Next(256);
        return copy;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
