using System.Globalization;
using Berth.Cli.App;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.EngineApi.Formatting;
using Berth.EngineApi.Models;

namespace Berth.Cli.Commands.Images;

/// <summary><c>images</c> / <c>image ls</c>.</summary>
public static class ImagesCommand
{
    public const string DefaultFormat = "{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

    public static readonly IReadOnlyDictionary<string, string> Headers = new Dictionary<string, string>
    {
        ["ID"] = "IMAGE ID", ["Repository"] = "REPOSITORY", ["Tag"] = "TAG", ["Digest"] = "DIGEST",
        ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["Size"] = "SIZE", ["Containers"] = "CONTAINERS",
        ["VirtualSize"] = "VIRTUAL SIZE", ["SharedSize"] = "SHARED SIZE", ["UniqueSize"] = "UNIQUE SIZE",
    };

    public static CommandSpec Spec { get; } = new("images", "images [OPTIONS] [REPOSITORY[:TAG]]", "List images",
        f => f.Bool("all", 'a', "Show all images (default hides intermediate images)")
              .Bool("digests", null, "Show digests")
              .List("filter", 'f', "Filter output based on conditions provided")
              .String("format", null, "Format output using a custom template")
              .Bool("no-trunc", null, "Don't truncate output")
              .Bool("quiet", 'q', "Only show image IDs"),
        0, 1, RunAsync);

    private static async Task<int> RunAsync(CommandContext ctx, FlagSet flags)
    {
        var filters = Containers.PsCommand.ParseFilters(flags.GetList("filter"));
        if (flags.Positionals.Count == 1)
        {
            filters.Add(new("reference", flags.Positionals[0]));
        }
        var images = await ctx.Client.ListImagesAsync(flags.GetBool("all"), filters, ctx.CancellationToken).ConfigureAwait(false);
        var noTrunc = flags.GetBool("no-trunc");
        var now = DateTimeOffset.UtcNow;
        var rows = images.SelectMany(i => Rows(i, !noTrunc, now)).ToList();
        var format = flags.GetString("format");
        if (flags.GetBool("quiet"))
        {
            format = "{{.ID}}";
        }
        var table = flags.GetBool("digests")
            ? "{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
            : DefaultFormat;
        ctx.Out.Write(FormatRenderer.Render(format, table, rows, Headers));
        return 0;
    }

    /// <summary>One row per repo:tag (or a single &lt;none&gt; row), as docker's image formatter does.</summary>
    public static IEnumerable<RowContext> Rows(ImageSummary image, bool trunc, DateTimeOffset now)
    {
        var id = trunc ? DisplayText.TruncateId(image.Id) : image.Id;
        var pairs = new List<(string Repo, string Tag, string Digest)>();
        foreach (var rt in image.RepoTags ?? [])
        {
            if (rt == "<none>:<none>")
            {
                continue;
            }
            var colon = rt.LastIndexOf(':');
            var repo = colon > rt.LastIndexOf('/') ? rt[..colon] : rt;
            var tag = colon > rt.LastIndexOf('/') ? rt[(colon + 1)..] : "<none>";
            var digest = (image.RepoDigests ?? []).FirstOrDefault(d => d.StartsWith(repo + "@", StringComparison.Ordinal));
            pairs.Add((repo, tag, digest is null ? "<none>" : digest[(digest.IndexOf('@') + 1)..]));
        }
        if (pairs.Count == 0)
        {
            var d = (image.RepoDigests ?? []).FirstOrDefault(x => x != "<none>@<none>");
            pairs.Add(d is null ? ("<none>", "<none>", "<none>") : (d[..d.IndexOf('@')], "<none>", d[(d.IndexOf('@') + 1)..]));
        }
        foreach (var (repo, tag, digest) in pairs)
        {
            yield return new RowContext(
            [
                new("ID", id),
                new("Repository", repo),
                new("Tag", tag),
                new("Digest", digest),
                new("CreatedSince", DisplayText.Ago(image.Created, now)),
                new("CreatedAt", DisplayText.GoTimeString(DateTimeOffset.FromUnixTimeSeconds(image.Created))),
                new("Size", DockerUnits.HumanSize(image.Size)),
                new("Containers", image.Containers < 0 ? "N/A" : image.Containers.ToString(CultureInfo.InvariantCulture)),
                new("VirtualSize", DockerUnits.HumanSize(image.VirtualSize ?? image.Size, 4)),
                new("SharedSize", image.SharedSize < 0 ? "N/A" : DockerUnits.HumanSize(image.SharedSize)),
                new("UniqueSize", image.SharedSize < 0 ? "N/A" : DockerUnits.HumanSize(image.Size - image.SharedSize)),
            ], image.Labels);
        }
    }
}
