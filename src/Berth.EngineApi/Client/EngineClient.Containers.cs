using Berth.EngineApi.Models;
using Berth.EngineApi.Serialization;

namespace Berth.EngineApi.Client;

/// <summary>Options of GET /containers/{id}/logs.</summary>
public sealed record LogsOptions
{
    public bool Stdout { get; init; } = true;
    public bool Stderr { get; init; } = true;
    public bool Follow { get; init; }
    public bool Timestamps { get; init; }
    /// <summary>Unix seconds, possibly fractional ("1700000000.5"), as docker sends it.</summary>
    public string? Since { get; init; }
    public string? Until { get; init; }
    /// <summary>"all" or a number of lines.</summary>
    public string? Tail { get; init; }
}

/// <summary>Options of POST /containers/{id}/attach.</summary>
public sealed record AttachOptions
{
    public bool Stream { get; init; } = true;
    public bool Stdin { get; init; }
    public bool Stdout { get; init; } = true;
    public bool Stderr { get; init; } = true;
    public bool Logs { get; init; }
    public string? DetachKeys { get; init; }
}

public sealed partial class EngineClient
{
    /// <summary>POST /containers/create.</summary>
    public async Task<ContainerCreateResponse> CreateContainerAsync(ContainerCreateRequest request, string? name = null,
        string? platform = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, "/containers/create" + Query(("name", name), ("platform", platform)),
            JsonContent(request, EngineJson.Context.ContainerCreateRequest), cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, EngineJson.Context.ContainerCreateResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GET /containers/json as raw JSON (for templates that need every field).</summary>
    public Task<byte[]> ListContainersRawAsync(bool all = false, IEnumerable<KeyValuePair<string, string>>? filters = null,
        bool size = false, int? limit = null, CancellationToken cancellationToken = default) =>
        GetBytesAsync("/containers/json" + Query(("all", Bool(all)), ("size", Bool(size)),
            ("limit", limit is { } l ? Format(l) : null), ("filters", EncodeFilters(filters))), cancellationToken);

    /// <summary>GET /containers/json.</summary>
    public async Task<List<ContainerSummary>> ListContainersAsync(bool all = false, IEnumerable<KeyValuePair<string, string>>? filters = null,
        bool size = false, int? limit = null, CancellationToken cancellationToken = default) =>
        System.Text.Json.JsonSerializer.Deserialize(await ListContainersRawAsync(all, filters, size, limit, cancellationToken).ConfigureAwait(false),
            EngineJson.Context.ListContainerSummary) ?? [];

    /// <summary>GET /containers/{id}/json.</summary>
    public Task<ContainerInspectResponse> InspectContainerAsync(string id, bool size = false, CancellationToken cancellationToken = default) =>
        GetJsonAsync($"/containers/{Esc(id)}/json" + Query(("size", Bool(size))), EngineJson.Context.ContainerInspectResponse, cancellationToken);

    /// <summary>GET /containers/{id}/json, the daemon's bytes unchanged (what <c>inspect</c> prints).</summary>
    public Task<byte[]> InspectContainerRawAsync(string id, bool size = false, CancellationToken cancellationToken = default) =>
        GetBytesAsync($"/containers/{Esc(id)}/json" + Query(("size", Bool(size))), cancellationToken);

    /// <summary>POST /containers/{id}/start. Returns false when it was already started (304).</summary>
    public async Task<bool> StartContainerAsync(string id, string? detachKeys = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"/containers/{Esc(id)}/start" + Query(("detachKeys", detachKeys)), null, cancellationToken).ConfigureAwait(false);
        return response.StatusCode != System.Net.HttpStatusCode.NotModified;
    }

    /// <summary>POST /containers/{id}/stop (<paramref name="timeout"/> in seconds; -1 waits forever).</summary>
    public Task StopContainerAsync(string id, int? timeout = null, string? signal = null, CancellationToken cancellationToken = default) =>
        PostAsync($"/containers/{Esc(id)}/stop" + Query(("t", timeout is { } t ? Format(t) : null), ("signal", signal)), cancellationToken);

    /// <summary>POST /containers/{id}/restart.</summary>
    public Task RestartContainerAsync(string id, int? timeout = null, string? signal = null, CancellationToken cancellationToken = default) =>
        PostAsync($"/containers/{Esc(id)}/restart" + Query(("t", timeout is { } t ? Format(t) : null), ("signal", signal)), cancellationToken);

    /// <summary>POST /containers/{id}/kill.</summary>
    public Task KillContainerAsync(string id, string? signal = null, CancellationToken cancellationToken = default) =>
        PostAsync($"/containers/{Esc(id)}/kill" + Query(("signal", signal)), cancellationToken);

    /// <summary>DELETE /containers/{id}.</summary>
    public async Task RemoveContainerAsync(string id, bool force = false, bool volumes = false, bool link = false, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/containers/{Esc(id)}" + Query(("v", Bool(volumes)), ("force", Bool(force)), ("link", Bool(link))),
            null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /containers/{id}/rename.</summary>
    public Task RenameContainerAsync(string id, string newName, CancellationToken cancellationToken = default) =>
        PostAsync($"/containers/{Esc(id)}/rename" + Query(("name", newName)), cancellationToken);

    /// <summary>
    /// POST /containers/{id}/wait. The outer task completes once the daemon has accepted the
    /// wait (response headers received) — only then is it safe to start the container, as the
    /// docker CLI does; the inner task completes with the exit status.
    /// </summary>
    public async Task<Task<ContainerWaitResponse>> BeginWaitContainerAsync(string id, string? condition = null, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, $"/containers/{Esc(id)}/wait" + Query(("condition", condition)), null, cancellationToken, headersOnly: true)
            .ConfigureAwait(false);
        return ReadWaitAsync(response, cancellationToken);

        static async Task<ContainerWaitResponse> ReadWaitAsync(HttpResponseMessage response, CancellationToken ct)
        {
            using (response)
            {
                return await ReadJsonAsync(response, EngineJson.Context.ContainerWaitResponse, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>POST /containers/{id}/wait and wait for the result.</summary>
    public async Task<ContainerWaitResponse> WaitContainerAsync(string id, string? condition = null, CancellationToken cancellationToken = default) =>
        await (await BeginWaitContainerAsync(id, condition, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

    /// <summary>GET /containers/{id}/logs: a framed stream (raw if the container has a TTY).</summary>
    public async Task<Stream> GetContainerLogsAsync(string id, LogsOptions options, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, $"/containers/{Esc(id)}/logs" + Query(
            ("stdout", Bool(options.Stdout)), ("stderr", Bool(options.Stderr)), ("follow", Bool(options.Follow)),
            ("timestamps", Bool(options.Timestamps)), ("since", options.Since), ("until", options.Until), ("tail", options.Tail)),
            null, cancellationToken, headersOnly: true).ConfigureAwait(false);
        return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POST /containers/{id}/attach with <c>Upgrade: tcp</c>: a raw duplex connection.</summary>
    public Task<HijackedConnection> AttachContainerAsync(string id, AttachOptions options, CancellationToken cancellationToken = default) =>
        HijackAsync($"/containers/{Esc(id)}/attach" + Query(("stream", Bool(options.Stream)), ("stdin", Bool(options.Stdin)),
            ("stdout", Bool(options.Stdout)), ("stderr", Bool(options.Stderr)), ("logs", Bool(options.Logs)),
            ("detachKeys", options.DetachKeys)), null, cancellationToken);

    /// <summary>POST /containers/{id}/resize (TTY size).</summary>
    public Task ResizeContainerTtyAsync(string id, int height, int width, CancellationToken cancellationToken = default) =>
        PostAsync($"/containers/{Esc(id)}/resize" + Query(("h", Format(height)), ("w", Format(width))), cancellationToken);
}
