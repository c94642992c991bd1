/**
 * Function words the phishing model ignores: articles, pronouns, auxiliaries, prepositions and
 * conjunctions of the languages in the corpus. Their rates say what kind of text a message is
 * (a long list discussion is full of "the"; anything addressed to its reader is full of "you"
 * and "your"), not what it wants: at version 1 of the features "the" was the strongest sign of
 * ham and "your" of phishing, so every modern notice addressed to its reader looked like
 * phishing. Words that carry intent ("please", "verify", "account") are not here.
 */
const ENGLISH = `
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each either few for from
further had has have having he her here hers herself him himself his how i if in into is it its
itself just me more most my myself neither no nor not now of off on once only or other ought our
ours ourselves out over own same shall she should so some such than that the their theirs them
themselves then there these they this those through to too under until up upon us very was we
were what when where which while who whom why will with would yet you your yours yourself
yourselves also may might must whether
im ive id ill youre youve youll youd were weve well wed theyre theyve dont doesnt didnt isnt
arent wasnt werent hasnt havent hadnt wont wouldnt cant couldnt shouldnt its lets thats theres
`;

const GERMAN = `
der die das den dem des ein eine einen einem einer eines und oder aber doch als wie wenn weil
dass ob zu zum zur von vom mit nach bei aus auf an am im in ins um für über unter vor durch
gegen ohne bis ist sind war waren sein seine seiner seinen seinem hat haben hatte hatten wird
werden wurde wurden kann können muss müssen soll sollen ich du er sie es wir ihr ihre ihren
ihrem ihrer ihres ihnen mich dich sich uns euch mir dir ihm mein meine dein deine unser unsere
euer eure nicht auch noch nur schon so da hier dort dies diese dieser dieses diesen diesem
`;

const FRENCH = `
le la les un une des du de au aux et ou mais donc car ni que qui quoi dont où ce cet cette ces
il elle ils elles je tu nous vous on me te se mon ma mes ton ta tes son sa ses notre nos votre
vos leur leurs en dans par pour sur sous avec sans est sont être avoir ai as avons avez ont
été était pas ne plus
`;

const SPANISH_PORTUGUESE_ITALIAN = `
el la los las lo un una unos unas y o pero que de del al en por para con sin es son ser estar
está están fue su sus tu tus mi mis nuestro nuestra se le les nos os me te
o a os as um uma uns umas e ou mas do da dos das no na nos nas ao aos em por para com sem é são
ser estar está foi seu sua seus suas teu tua meu minha nosso nossa você vocês ele ela eles
elas não
il lo la gli le un uno una e o ma di del della dei delle da dal in nel nella con per su è sono
essere suo sua tuo tua mio mia nostro nostra non che si ci vi
`;

const DUTCH = `
de het een en of maar dat die dit deze van voor met op in aan bij naar uit om te door over
is zijn was waren heeft hebben wordt worden kan kunnen moet ik jij je u hij zij wij we ons onze
uw jouw mijn niet ook nog
`;

export const STOP_WORDS: ReadonlySet<string> = new Set(
  [ENGLISH, GERMAN, FRENCH, SPANISH_PORTUGUESE_ITALIAN, DUTCH]
    .join(' ')
    .split(/\s+/u)
    .filter(Boolean),
);
