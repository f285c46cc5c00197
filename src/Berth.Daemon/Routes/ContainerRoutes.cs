using System.Globalization;
using Berth.Core.Errors;
using Berth.Daemon.Mapping;
using Berth.Engine.Containers;
using Berth.EngineApi.Models;
using Berth.EngineApi.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>/containers/…: create, list, inspect, start, stop, restart, kill, wait, remove, rename, logs, resize.</summary>
internal static class ContainerRoutes
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/containers/create", Create);
        app.MapGet("/containers/json", List);
        app.MapGet("/containers/{id}/json", Inspect);
        app.MapPost("/containers/{id}/start", Start);
        app.MapPost("/containers/{id}/stop", Stop);
        app.MapPost("/containers/{id}/restart", Restart);
        app.MapPost("/containers/{id}/kill", Kill);
        app.MapPost("/containers/{id}/wait", Wait);
        app.MapDelete("/containers/{id}", Remove);
        app.MapPost("/containers/{id}/rename", Rename);
        app.MapGet("/containers/{id}/logs", Logs);
        app.MapPost("/containers/{id}/resize", Resize);
    }

    private static async Task Create(HttpContext context)
    {
        var request = await context.ReadJsonAsync(Http.Json.ContainerCreateRequest);
        var container = await context.Service<IContainerBackend>().CreateAsync(
            ContainerMapper.ToDomain(context.Query("name"), request), context.RequestAborted);
        await context.WriteJsonAsync(new ContainerCreateResponse { Id = container.Id, Warnings = [] }, Http.Json.ContainerCreateResponse, 201);
    }

    private static Task List(HttpContext context)
    {
        var containers = context.Service<IContainerBackend>().List(context.QueryBool("all"), context.Filters(), context.QueryInt("limit") ?? -1);
        var now = DateTimeOffset.UtcNow;
        return context.WriteJsonAsync(containers.Select(c => ContainerMapper.ToSummary(c, now)).ToList(), Http.Json.ListContainerSummary);
    }

    private static Task Inspect(HttpContext context)
    {
        var details = context.Service<IContainerBackend>().Inspect(context.Route("id"));
        return context.WriteJsonAsync(ContainerMapper.ToInspect(details), Http.Json.ContainerInspectResponse);
    }

    private static async Task Start(HttpContext context)
    {
        await context.Service<IContainerBackend>().StartAsync(context.Route("id"), context.RequestAborted);
        context.NoContent();
    }

    private static async Task Stop(HttpContext context)
    {
        await context.Service<IContainerBackend>().StopAsync(context.Route("id"), StopTimeout(context), context.Query("signal"), context.RequestAborted);
        context.NoContent();
    }

    private static async Task Restart(HttpContext context)
    {
        await context.Service<IContainerBackend>().RestartAsync(context.Route("id"), StopTimeout(context), context.Query("signal"), context.RequestAborted);
        context.NoContent();
    }

    private static int? StopTimeout(HttpContext context) => context.QueryInt("t") ?? context.QueryInt("timeout");

    private static async Task Kill(HttpContext context)
    {
        await context.Service<IContainerBackend>().KillAsync(context.Route("id"), context.Query("signal"), context.RequestAborted);
        context.NoContent();
    }

    /// <summary>
    /// Registers the wait, then sends the headers at once: the docker CLI starts the container
    /// only after this response has begun, so an exit can never slip between the two.
    /// </summary>
    private static async Task Wait(HttpContext context)
    {
        var exit = context.Service<IContainerBackend>().Wait(context.Route("id"), context.Query("condition"), context.RequestAborted);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var code = await exit;
        await context.WriteJsonAsync(new ContainerWaitResponse { StatusCode = code }, Http.Json.ContainerWaitResponse);
    }

    private static async Task Remove(HttpContext context)
    {
        await context.Service<IContainerBackend>().RemoveAsync(context.Route("id"), context.QueryBool("force"), context.RequestAborted);
        context.NoContent();
    }

    private static async Task Rename(HttpContext context)
    {
        var name = context.Query("name");
        if (string.IsNullOrEmpty(name)) throw new InvalidParameterException("Neither old nor new names may be empty");
        await context.Service<IContainerBackend>().RenameAsync(context.Route("id"), name, context.RequestAborted);
        context.NoContent();
    }

    private static async Task Resize(HttpContext context)
    {
        var height = context.QueryInt("h") ?? 0;
        var width = context.QueryInt("w") ?? 0;
        await context.Service<IContainerBackend>().ResizeAsync(context.Route("id"), height, width, context.RequestAborted);
    }

    private static async Task Logs(HttpContext context)
    {
        var containers = context.Service<IContainerBackend>();
        var id = containers.Get(context.Route("id")).Id;
        var stdout = context.QueryBool("stdout");
        var stderr = context.QueryBool("stderr");
        if (!stdout && !stderr) throw new InvalidParameterException("Bad parameters: you must choose at least one stream");
        var log = containers.Logs(id, () =>
        {
            var tail = context.Query("tail") is { Length: > 0 } t && t != "all"
                ? int.TryParse(t, out var n) ? n : throw new InvalidParameterException($"invalid tail value \"{t}\"")
                : -1;
            return new LogOptions(stdout, stderr, context.QueryBool("follow"), tail, ParseTime(context.Query("since")), ParseTime(context.Query("until")));
        }, context.RequestAborted);
        var timestamps = context.QueryBool("timestamps");

        context.Response.StatusCode = 200;
        context.Response.ContentType = log.Tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
        await LogStreamWriter.WriteAsync(context.Response.Body, log.Entries, log.Tty, timestamps, context.RequestAborted);
    }

    /// <summary>since/until: unix seconds with optional fraction ("1700000000.123456789"), as the CLI sends them.</summary>
    private static DateTimeOffset? ParseTime(string? value)
    {
        if (string.IsNullOrEmpty(value) || value == "0") return null;
        var parts = value.Split('.');
        if (!long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
            throw new InvalidParameterException($"invalid timestamp \"{value}\"");
        // Go's time.Unix takes any int64; past the years 1 and 9999 the bound means the same.
        if (seconds <= DateTimeOffset.MinValue.ToUnixTimeSeconds()) return DateTimeOffset.MinValue;
        if (seconds >= DateTimeOffset.MaxValue.ToUnixTimeSeconds()) return DateTimeOffset.MaxValue;
        var time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (parts.Length > 1 && long.TryParse(parts[1].PadRight(9, '0')[..9], out var nanos))
            time = time.AddTicks(nanos / 100);
        return time;
    }
}
