using System.Net.Http.Headers;
using System.Text.Json;
using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Client;

public sealed partial class EngineClient
{
    /// <summary>GET /images/json as raw JSON.</summary>
    public Task<byte[]> ListImagesRawAsync(bool all = false, IEnumerable<KeyValuePair<string, string>>? filters = null,
        CancellationToken cancellationToken = default) =>
        GetBytesAsync("/images/json" + Query(("all", Bool(all)), ("filters", EncodeFilters(filters))), cancellationToken);

    /// <summary>GET /images/json.</summary>
    public async Task<List<ImageSummary>> ListImagesAsync(bool all = false, IEnumerable<KeyValuePair<string, string>>? filters = null,
        CancellationToken cancellationToken = default) =>
        JsonSerializer.Deserialize(await ListImagesRawAsync(all, filters, cancellationToken).ConfigureAwait(false),
            EngineJson.Context.ListImageSummary) ?? [];

    /// <summary>GET /images/{name}/json.</summary>
    public Task<ImageInspectResponse> InspectImageAsync(string name, CancellationToken cancellationToken = default) =>
        GetJsonAsync($"/images/{EscName(name)}/json", EngineJson.Context.ImageInspectResponse, cancellationToken);

    /// <summary>GET /images/{name}/json, the daemon's bytes unchanged.</summary>
    public Task<byte[]> InspectImageRawAsync(string name, CancellationToken cancellationToken = default) =>
        GetBytesAsync($"/images/{EscName(name)}/json", cancellationToken);

    /// <summary>GET /images/{name}/history.</summary>
    public Task<List<HistoryResponseItem>> GetImageHistoryAsync(string name, CancellationToken cancellationToken = default) =>
        GetJsonAsync($"/images/{EscName(name)}/history", EngineJson.Context.ListHistoryResponseItem, cancellationToken);

    /// <summary>DELETE /images/{name}.</summary>
    public async Task<List<ImageDeleteResponseItem>> RemoveImageAsync(string name, bool force = false, bool noPrune = false,
        CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/images/{EscName(name)}" + Query(("force", Bool(force)), ("noprune", Bool(noPrune))),
            null, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, EngineJson.Context.ListImageDeleteResponseItem, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /images/{name}/tag.</summary>
    public Task TagImageAsync(string source, string repository, string? tag, CancellationToken cancellationToken = default) =>
        PostAsync($"/images/{EscName(source)}/tag" + Query(("repo", repository), ("tag", tag)), cancellationToken);

    /// <summary>GET /images/get?names=…: a tar stream (docker save format).</summary>
    public async Task<Stream> SaveImagesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        var query = string.Join('&', names.Select(n => "names=" + Uri.EscapeDataString(n)));
        var response = await SendAsync(HttpMethod.Get, "/images/get?" + query, null, cancellationToken, headersOnly: true).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /images/load: returns the JSON message stream (read it with <see cref="Streams.JsonMessageStream"/>).</summary>
    public async Task<Stream> LoadImagesAsync(Stream tar, bool quiet = false, CancellationToken cancellationToken = default)
    {
        var content = new StreamContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var response = await SendAsync(HttpMethod.Post, "/images/load" + Query(("quiet", Bool(quiet))), content, cancellationToken, headersOnly: true)
            .ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /images/create?fromSrc=- (import a root filesystem tar): the JSON message stream.</summary>
    public async Task<Stream> ImportImageAsync(Stream tar, string? repository, string? tag, IEnumerable<string>? changes = null,
        string? message = null, string? platform = null, CancellationToken cancellationToken = default)
    {
        var query = Query(("fromSrc", "-"), ("repo", repository), ("tag", tag), ("message", message), ("platform", platform));
        foreach (var c in changes ?? [])
        {
            query += "&changes=" + Uri.EscapeDataString(c);
        }
        var content = new StreamContent(tar);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var response = await SendAsync(HttpMethod.Post, "/images/create" + query, content, cancellationToken, headersOnly: true).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Image names may contain '/' (repo paths) and ':'; docker leaves them unescaped in the path.</summary>
    private static string EscName(string name) => string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
}

public sealed partial class EngineClient
{
    /// <summary>POST /images/create?fromImage=…&amp;tag=… (pull): the JSON message stream.</summary>
    public async Task<Stream> PullImageAsync(string image, string? tag, string? platform = null, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, "/images/create" + Query(("fromImage", image), ("tag", tag), ("platform", platform)),
            null, cancellationToken, headersOnly: true).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }
}
