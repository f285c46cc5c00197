using System.Globalization;
using Berth.Cli.App;
using Berth.Cli.Formatting;
using Berth.Core.CommandLine;
using Berth.EngineApi.Client;
using Berth.EngineApi.Formatting;

namespace Berth.Cli.Commands.Images;

/// <summary>rmi, history, tag.</summary>
public static class ImageOps
{
    public static CommandSpec Remove { get; } = new("rmi", "rmi [OPTIONS] IMAGE [IMAGE...]", "Remove one or more images",
        f => f.Bool("force", 'f', "Force removal of the image").Bool("no-prune", null, "Do not delete untagged parents"),
        1, CommandSpec.Unbounded, RemoveAsync);

    public static CommandSpec History { get; } = new("history", "history [OPTIONS] IMAGE", "Show the history of an image",
        f => f.String("format", null, "Format output using a custom template")
              .Bool("human", 'H', "Print sizes and dates in human readable format", defaultValue: true)
              .Bool("no-trunc", null, "Don't truncate output")
              .Bool("quiet", 'q', "Only show image IDs"),
        1, 1, HistoryAsync);

    public static CommandSpec Tag { get; } = new("tag", "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
        _ => { }, 2, 2, TagAsync);

    private static async Task<int> RemoveAsync(CommandContext ctx, FlagSet flags)
    {
        var failed = false;
        foreach (var name in flags.Positionals)
        {
            try
            {
                var items = await ctx.Client.RemoveImageAsync(name, flags.GetBool("force"), flags.GetBool("no-prune"), ctx.CancellationToken).ConfigureAwait(false);
                foreach (var item in items)
                {
                    if (item.Untagged is { Length: > 0 } u)
                    {
                        ctx.Out.WriteLine("Untagged: " + u);
                    }
                    if (item.Deleted is { Length: > 0 } d)
                    {
                        ctx.Out.WriteLine("Deleted: " + d);
                    }
                }
            }
            catch (EngineApiException e)
            {
                ctx.Err.WriteLine(CommandContext.Describe(e));
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }

    private static readonly IReadOnlyDictionary<string, string> HistoryHeaders = new Dictionary<string, string>
    {
        ["ID"] = "IMAGE", ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["CreatedBy"] = "CREATED BY",
        ["Size"] = "SIZE", ["Comment"] = "COMMENT",
    };

    private static async Task<int> HistoryAsync(CommandContext ctx, FlagSet flags)
    {
        var history = await ctx.Client.GetImageHistoryAsync(flags.Positionals[0], ctx.CancellationToken).ConfigureAwait(false);
        var human = flags.GetBool("human");
        var trunc = !flags.GetBool("no-trunc");
        var now = DateTimeOffset.UtcNow;
        var rows = history.Select(h =>
        {
            var created = DateTimeOffset.FromUnixTimeSeconds(h.Created);
            var createdBy = h.CreatedBy.Replace('\t', ' ');
            return new RowContext(
            [
                new("ID", h.Id.StartsWith('<') || !trunc ? h.Id : DisplayText.TruncateId(h.Id)),
                new("CreatedSince", human ? DisplayText.Ago(h.Created, now) : created.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture).Replace("+00:00", "Z")),
                new("CreatedAt", created.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture).Replace("+00:00", "Z")),
                new("CreatedBy", trunc ? DisplayText.Ellipsis(createdBy, 45) : createdBy),
                new("Size", human ? DockerUnits.HumanSize(h.Size) : h.Size.ToString(CultureInfo.InvariantCulture)),
                new("Comment", h.Comment),
            ]);
        }).ToList();
        var format = flags.GetString("format");
        if (flags.GetBool("quiet"))
        {
            format = "{{.ID}}";
        }
        var table = human
            ? "{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
            : "{{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
        ctx.Out.Write(FormatRenderer.Render(format, table, rows, HistoryHeaders));
        return 0;
    }

    private static async Task<int> TagAsync(CommandContext ctx, FlagSet flags)
    {
        var (repo, tag) = TransferCommands.SplitTag(flags.Positionals[1]);
        await ctx.Client.TagImageAsync(flags.Positionals[0], repo, tag, ctx.CancellationToken).ConfigureAwait(false);
        return 0;
    }
}
