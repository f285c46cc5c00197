using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Berth.Registry.Tests.Conformance;

/// <summary>The requests the conformance suite makes, over a test registry's HttpClient.</summary>
public sealed class OciClient(HttpClient client)
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    public HttpClient Http => client;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, byte[]? body = null, string? contentType = null,
        params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        }
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new ByteArrayContent([]);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }
        return await client.SendAsync(request);
    }

    public Task<HttpResponseMessage> HeadAsync(string path, params (string, string)[] headers) => SendAsync(HttpMethod.Head, path, null, null, headers);
    public Task<HttpResponseMessage> GetAsync(string path, params (string, string)[] headers) => SendAsync(HttpMethod.Get, path, null, null, headers);
    public Task<HttpResponseMessage> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>POST then PUT &lt;Location&gt;?digest= (the suite's setup push); asserts 201.</summary>
    public async Task<string> PushBlobAsync(string name, byte[] data)
    {
        var digest = RegistryFixture.DigestOf(data);
        using var post = await SendAsync(HttpMethod.Post, $"/v2/{name}/blobs/uploads/");
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        using var put = await SendAsync(HttpMethod.Put, WithQuery(Location(post), $"digest={digest}"), data, "application/octet-stream");
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return digest;
    }

    public async Task<HttpResponseMessage> PutManifestAsync(string name, string reference, byte[] manifest, string? contentType = OciManifest) =>
        await SendAsync(HttpMethod.Put, $"/v2/{name}/manifests/{reference}", manifest, contentType);

    /// <summary>PUT a manifest and assert 201; returns its digest.</summary>
    public async Task<string> PushManifestAsync(string name, string reference, byte[] manifest, string? contentType = OciManifest)
    {
        using var response = await PutManifestAsync(name, reference, manifest, contentType);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"PUT manifest {reference}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return RegistryFixture.DigestOf(manifest);
    }

    public static string Location(HttpResponseMessage response)
    {
        Assert.NotNull(response.Headers.Location);
        return response.Headers.Location!.OriginalString;
    }

    public static string WithQuery(string location, string query) => location + (location.Contains('?') ? "&" : "?") + query;

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values)
        : response.Content.Headers.TryGetValues(name, out var contentValues) ? string.Join(",", contentValues) : null;

    /// <summary>The spec's error envelope: errors[0].code.</summary>
    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("errors")[0].GetProperty("code").GetString()!;
    }

    public static readonly string[] KnownCodes =
    [
        "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID",
        "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "TAG_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED",
    ];

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
