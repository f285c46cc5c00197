using System.Security.Cryptography;

namespace Berth.Engine.Containers;

/// <summary>Docker-style random names: adjective_surname of a scientist or engineer.</summary>
public static class NameGenerator
{
    private static readonly string[] Adjectives =
    [
        "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful",
        "blissful", "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent",
        "condescending", "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted",
        "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting",
        "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted",
        "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible",
        "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
        "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty",
        "nostalgic", "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless",
        "quirky", "quizzical", "recursing", "relaxed", "reverent", "romantic", "sad", "serene", "sharp",
        "silly", "sleepy", "stoic", "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty",
        "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly", "wonderful",
        "xenodochial", "youthful", "zealous", "zen",
    ];

    private static readonly string[] Surnames =
    [
        "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin",
        "babbage", "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "blackburn", "blackwell",
        "bohr", "booth", "borg", "bose", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar",
        "chatelet", "clarke", "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dubinsky",
        "easley", "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi", "feynman",
        "franklin", "galileo", "gates", "goldberg", "goldstine", "goodall", "hamilton", "hawking", "heisenberg",
        "hermann", "hertz", "hodgkin", "hofstadter", "hopper", "hugle", "hypatia", "jackson", "jennings",
        "jepsen", "johnson", "joliot", "jones", "kalam", "kapitsa", "keldysh", "kepler", "khorana", "kilby",
        "knuth", "kowalevski", "lalande", "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann",
        "lewin", "liskov", "lovelace", "lumiere", "mahavira", "margulis", "matsumoto", "maxwell", "mayer",
        "mccarthy", "mcclintock", "meitner", "mendel", "merkle", "mirzakhani", "montalcini", "moore",
        "morse", "napier", "nash", "neumann", "newton", "nobel", "noether", "northcutt", "noyce", "pare",
        "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "ptolemy", "raman", "ramanujan",
        "ride", "ritchie", "robinson", "roentgen", "rosalind", "saha", "sammet", "shamir", "shannon",
        "shaw", "shirley", "shockley", "sinoussi", "snyder", "spence", "stonebraker", "sutherland",
        "swanson", "swartz", "tesla", "thompson", "torvalds", "turing", "varahamihira", "villani",
        "volhard", "wescoff", "wilbur", "wiles", "williams", "wilson", "wing", "wozniak", "wright", "yalow",
        "yonath", "zhukovsky",
    ];

    public static string Generate() =>
        $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}_{Surnames[RandomNumberGenerator.GetInt32(Surnames.Length)]}";
}
