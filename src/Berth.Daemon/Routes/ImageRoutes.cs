using Berth.Core.Errors;
using Berth.Daemon.Mapping;
using Berth.Engine.Containers;
using Berth.Engine.Images;
using Berth.EngineApi.Models;
using Berth.EngineApi.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Berth.Daemon.Routes;

/// <summary>
/// /images/…: import (create?fromSrc), list, inspect, tag, remove, history, save (get) and load.
/// Image names contain slashes (localhost:5000/team/app), so /images/{name}/{verb} is matched
/// by one catch-all route and split at its last segment.
/// </summary>
internal static class ImageRoutes
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/images/create", Create);
        app.MapGet("/images/json", List);
        app.MapGet("/images/get", SaveMany);
        app.MapPost("/images/load", Load);
        app.MapGet("/images/{**name}", GetByName);
        app.MapPost("/images/{**name}", PostByName);
        app.MapDelete("/images/{**name}", Remove);
    }

    private static (string Name, string Verb) Split(HttpContext context)
    {
        var path = context.Route("name");
        var slash = path.LastIndexOf('/');
        if (slash <= 0) throw new NotFoundException($"page not found");
        return (path[..slash], path[(slash + 1)..]);
    }

    private static Task GetByName(HttpContext context)
    {
        var (name, verb) = Split(context);
        return verb switch
        {
            "json" => Inspect(context, name),
            "history" => History(context, name),
            "get" => Save(context, [name]),
            _ => throw new NotFoundException("page not found"),
        };
    }

    private static Task PostByName(HttpContext context)
    {
        var (name, verb) = Split(context);
        return verb switch
        {
            "tag" => Tag(context, name),
            "push" => DistributionRoutes.PushAsync(context, name),
            _ => throw new NotFoundException("page not found"),
        };
    }

    /// <summary>POST /images/create: fromSrc=- imports the request body; fromImage pulls.</summary>
    private static async Task Create(HttpContext context)
    {
        var fromSrc = context.Query("fromSrc");
        if (string.IsNullOrEmpty(fromSrc))
        {
            await DistributionRoutes.PullAsync(context);
            return;
        }
        if (fromSrc != "-") throw new InvalidParameterException("importing from a URL is not supported: use fromSrc=- with the archive as the request body");
        var repo = context.Query("repo");
        var tag = context.Query("tag");
        var reference = string.IsNullOrEmpty(repo) ? null : string.IsNullOrEmpty(tag) ? repo : $"{repo}:{tag}";
        var changes = context.Request.Query["changes"].Where(c => !string.IsNullOrEmpty(c)).Select(c => c!).ToList();
        var image = await context.Service<IImageService>().ImportAsync(context.Request.Body,
            new ImportOptions(changes, context.Query("message"), reference, context.Query("platform")), context.RequestAborted);
        context.Response.ContentType = "application/json";
        await JsonMessageStream.WriteAsync(context.Response.Body, new JsonMessage { Status = image.Id.ToString() }, context.RequestAborted);
    }

    private static Task List(HttpContext context)
    {
        var containers = context.Service<IContainerBackend>();
        var images = context.Service<IImageService>().List();
        var filters = context.Filters();
        foreach (var key in filters.Keys)
            if (key is not ("dangling" or "label" or "reference")) throw new InvalidParameterException($"invalid filter '{key}'");
        var summaries = images
            .Where(image => MatchesFilters(image, filters))
            .OrderByDescending(image => image.Config.Created)
            .Select(image => ImageMapper.ToSummary(NarrowToReference(image, filters), containers.CountUsing(image.Id)))
            .ToList();
        return context.WriteJsonAsync(summaries, Http.Json.ListImageSummary);
    }

    private static bool MatchesFilters(Image image, IReadOnlyDictionary<string, IReadOnlyList<string>> filters)
    {
        foreach (var (key, values) in filters)
        {
            if (values.Count == 0) continue;
            var match = key switch
            {
                "dangling" => values.Any(v => (v is "true" or "1") == (image.RepoTags.Count == 0)),
                "label" => values.Any(v => LabelMatches(image.Config.Config?.Labels, v)),
                "reference" => values.Any(v => image.RepoTags.Any(tag => ReferenceMatches(tag, v))),
                _ => throw new InvalidParameterException($"invalid filter '{key}'"),
            };
            if (!match) return false;
        }
        return true;
    }

    /// <summary>With a reference filter dockerd lists only the matching tags of each image.</summary>
    private static Image NarrowToReference(Image image, IReadOnlyDictionary<string, IReadOnlyList<string>> filters) =>
        filters.TryGetValue("reference", out var patterns) && patterns.Count > 0
            ? image with { RepoTags = image.RepoTags.Where(tag => patterns.Any(p => ReferenceMatches(tag, p))).ToList() }
            : image;

    private static bool LabelMatches(IReadOnlyDictionary<string, string>? labels, string filter)
    {
        if (labels is null) return false;
        var eq = filter.IndexOf('=');
        return eq < 0 ? labels.ContainsKey(filter) : labels.TryGetValue(filter[..eq], out var value) && value == filter[(eq + 1)..];
    }

    /// <summary>reference=busybox or busybox:* style patterns (path.Match with * only).</summary>
    private static bool ReferenceMatches(string tag, string pattern)
    {
        var name = tag[..tag.LastIndexOf(':')];
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", "[^/]*") + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(tag, regex) || System.Text.RegularExpressions.Regex.IsMatch(name, regex);
    }

    private static Task Inspect(HttpContext context, string name) =>
        context.WriteJsonAsync(ImageMapper.ToInspect(context.Service<IImageService>().Resolve(name)), Http.Json.ImageInspectResponse);

    private static Task History(HttpContext context, string name) =>
        context.WriteJsonAsync(context.Service<IImageService>().History(name).Select(ImageMapper.ToApi).ToList(), Http.Json.ListHistoryResponseItem);

    private static async Task Tag(HttpContext context, string name)
    {
        var repo = context.Query("repo");
        if (string.IsNullOrEmpty(repo)) throw new InvalidParameterException("repository name must have at least one component");
        await context.Service<IImageService>().TagAsync(name, repo, context.Query("tag"), context.RequestAborted);
        context.Response.StatusCode = 201;
    }

    private static async Task Remove(HttpContext context)
    {
        var entries = await context.Service<IImageService>().RemoveAsync(
            context.Route("name"), context.QueryBool("force"), context.QueryBool("noprune"), context.RequestAborted);
        await context.WriteJsonAsync(entries.Select(ImageMapper.ToApi).ToList(), Http.Json.ListImageDeleteResponseItem);
    }

    private static Task SaveMany(HttpContext context)
    {
        var names = context.Request.Query["names"].Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).ToList();
        if (names.Count == 0) throw new InvalidParameterException("no images to save: pass names=IMAGE");
        return Save(context, names);
    }

    private static async Task Save(HttpContext context, IReadOnlyList<string> names)
    {
        var images = context.Service<IImageService>();
        foreach (var name in names) images.Resolve(name); // 404 before the 200 starts
        context.Response.ContentType = "application/x-tar";
        await images.SaveAsync(names, context.Response.Body, context.RequestAborted);
    }

    private static async Task Load(HttpContext context)
    {
        var lines = await context.Service<IImageService>().LoadAsync(context.Request.Body, context.RequestAborted);
        context.Response.ContentType = "application/json";
        foreach (var line in lines)
            await JsonMessageStream.WriteAsync(context.Response.Body, new JsonMessage { Stream = line + "\n" }, context.RequestAborted);
    }
}
