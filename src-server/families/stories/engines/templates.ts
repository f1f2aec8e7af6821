import type { AgeBand, Beat, Language } from './types';

/**
 * The built-in storyteller's words. `{name}` is a story element, `{name|이/가}` the same with the
 * Korean particle its last syllable takes, `{Name}` capitalised (English). Every scene keeps the
 * child and the hero on stage, so the characters carry through the chapters.
 * `core` sentences are always told; `extra` ones are added for older children.
 */
export interface Scene {
  id: string;
  titles: string[];
  core: string[];
  extra: string[];
}

type SceneBook = Record<Beat, Scene[]>;

const EN: SceneBook = {
  setup: [
    {
      id: 'morning',
      titles: ['Where It All Began', 'A Bright Morning'],
      core: [
        'Once upon a time, {child} lived close to {place}.',
        'Every morning, {child} visited {hero}, who was {adj} and kind.',
        'Together they loved to explore.',
      ],
      extra: [
        'The air smelled of flowers, and the wind sang softly through the grass.',
        '{Hero} always said that every day could hold a little wonder.',
      ],
    },
    {
      id: 'door',
      titles: ['The Open Door', 'A New Day'],
      core: [
        'One sunny day, {child} opened the door and skipped out to {place}.',
        'There stood {hero}, smiling a {adj} smile.',
        '"Shall we have an adventure today?" asked {hero}.',
      ],
      extra: [
        'Birds were chattering in the branches as if they were telling secrets.',
        '{child} nodded so hard that both of them burst out laughing.',
      ],
    },
    {
      id: 'picnic',
      titles: ['A Picnic for Two', 'Best Friends'],
      core: [
        '{child} and {hero} were having a picnic at {place}.',
        'They shared crunchy sandwiches and sweet red apples.',
        '{Hero} told funny stories, and {child} giggled and giggled.',
      ],
      extra: [
        'Fluffy clouds drifted by, shaped like boats and sleepy cats.',
        'It was the kind of day that feels as if it could last forever.',
      ],
    },
  ],
  problem: [
    {
      id: 'cry',
      titles: ['Uh-oh!', 'Something Is Wrong'],
      core: ['But then, {hero} stopped and pointed.', '"Oh no!" said {hero}. "{Problem}"', '"We can fix this together," said {child}.'],
      extra: ['{child} felt a little worried, but also curious.', 'A problem is just a puzzle waiting for friends, {child} thought.'],
    },
    {
      id: 'news',
      titles: ['A Puzzle to Solve', 'Big News'],
      core: [
        'Suddenly, a breeze brought some news.',
        'It whispered to {child} and {hero}: "{Problem}"',
        '{child} took {hero} by the hand. "Let\'s go and help!"',
      ],
      extra: [
        'The leaves rustled, and the whole of {place} seemed to hold its breath.',
        '{Hero} straightened up, feeling a tiny bit taller.',
      ],
    },
  ],
  journey: [
    {
      id: 'friend',
      titles: ['A New Friend', 'Someone to Help'],
      core: ['On the path, {child} and {hero} met {friend}.', '"I can help you!" said {friend}.', 'Now three friends walked on together.'],
      extra: ['{Friend} knew every little path and every hidden corner.', '{child} was glad: with more friends, the road felt shorter.'],
    },
    {
      id: 'river',
      titles: ['The Sparkling River', 'Stepping Stones'],
      core: [
        'Soon they reached a wide, sparkling river.',
        '{Friend} showed them stepping stones, one by one.',
        '{child} took a deep breath and hopped across, and {hero} followed.',
      ],
      extra: [
        'The water gurgled and splashed as if it were clapping for them.',
        'On the other side, they shook the drops from their shoes and laughed.',
      ],
    },
    {
      id: 'wood',
      titles: ['The Whispering Wood', 'Into the Trees'],
      core: [
        'The path went into a shady wood where the trees whispered.',
        '{child} held on tight to {hero}.',
        'They hummed a little song, and the shadows did not seem so big anymore.',
      ],
      extra: ['Glow-worms lit up one by one, like tiny lanterns showing the way.', '{Friend} hummed along in a low, happy voice.'],
    },
    {
      id: 'clue',
      titles: ['Sparkly Footprints', 'The Clue'],
      core: [
        'Then {hero} found a clue: tiny footprints that sparkled.',
        '"Let\'s follow them!" said {friend}.',
        '{child} and {hero} followed the footprints, step by step.',
      ],
      extra: [
        'The footprints went round a rock, over a log and under a bush.',
        "Each step made {child}'s heart beat a little faster with hope.",
      ],
    },
    {
      id: 'bird',
      titles: ['The Little Bird', 'A Kind Detour'],
      core: [
        'Along the way, they heard a small voice crying.',
        'It was a baby bird who could not find its nest.',
        '{child} gently lifted it back home, and {hero} smiled a {adj} smile.',
      ],
      extra: ['The mother bird sang a thank-you song that filled the air.', 'Helping someone, even on a busy day, felt wonderful.'],
    },
  ],
  resolution: [
    {
      id: 'together',
      titles: ['All Is Well', 'Together'],
      core: [
        'At last, working together, they set everything right again.',
        '{Friend} cheered, and {hero} gave {child} a big hug.',
        'Then they walked home under a calm, starry sky.',
      ],
      extra: ['{child} learned that {moral}.', 'The moon smiled down on {place}, quiet and peaceful once more.'],
    },
    {
      id: 'home',
      titles: ['Home Again', 'A Happy Ending'],
      core: [
        'With one last idea from {child}, the problem was solved.',
        'Everyone in {place} clapped and smiled, and {hero} danced a happy dance.',
        'Slowly, the sun went down, soft and golden.',
      ],
      extra: ['{child} learned that {moral}.', '{Friend} waved goodbye and promised to visit again soon.'],
    },
  ],
};

const KO: SceneBook = {
  setup: [
    {
      id: 'morning',
      titles: ['모든 것이 시작된 곳', '반짝이는 아침'],
      core: [
        '옛날 옛적, {place} 가까이에 {child|이/가} 살았어요.',
        '{child|은/는} 매일 아침 {hero|을/를} 만나러 갔어요.',
        '{hero|은/는} 언제나 {adj} 친구였어요.',
      ],
      extra: ['바람이 살랑살랑 불고, 꽃향기가 가득했어요.', '{hero|은/는} 늘 "오늘도 멋진 일이 생길 거야!" 하고 말했지요.'],
    },
    {
      id: 'door',
      titles: ['활짝 열린 문', '새로운 하루'],
      core: [
        '해가 반짝 뜬 날, {child|은/는} 문을 열고 {place|으로/로} 달려 나갔어요.',
        '거기에는 {hero|이/가} 빙긋 웃으며 서 있었어요.',
        '"오늘 우리 모험을 떠나 볼까?" {hero|이/가} 물었어요.',
      ],
      extra: ['나뭇가지 위에서 새들이 비밀 이야기를 하듯 재잘거렸어요.', '{child|이/가} 고개를 힘차게 끄덕이자 둘은 깔깔 웃었어요.'],
    },
    {
      id: 'picnic',
      titles: ['둘만의 소풍', '단짝 친구'],
      core: [
        '{child|와/과} {hero|은/는} {place}에서 소풍을 하고 있었어요.',
        '둘은 바삭한 샌드위치와 빨간 사과를 나누어 먹었어요.',
        '{hero|이/가} 재미있는 이야기를 들려주자 {child|은/는} 까르르 웃었어요.',
      ],
      extra: ['몽실몽실 구름이 배 모양, 졸린 고양이 모양으로 흘러갔어요.', '영원히 계속될 것만 같은 날이었어요.'],
    },
  ],
  problem: [
    {
      id: 'cry',
      titles: ['앗, 큰일이에요!', '무슨 일이지?'],
      core: [
        '그런데 갑자기 {hero|이/가} 멈춰 서서 손으로 가리켰어요.',
        '"큰일이야! {problem}" {hero|이/가} 말했어요.',
        '"우리가 함께 해결해 보자!" {child|이/가} 말했어요.',
      ],
      extra: ['{child|은/는} 조금 걱정됐지만 궁금하기도 했어요.', '문제는 친구들을 기다리는 수수께끼일 뿐이라고 {child|은/는} 생각했어요.'],
    },
    {
      id: 'news',
      titles: ['수수께끼가 생겼어요', '바람이 전한 소식'],
      core: [
        '그때 산들바람이 소식을 하나 전해 주었어요.',
        '바람은 {child|와/과} {hero}에게 속삭였어요. "{problem}"',
        '{child|은/는} {hero}의 손을 꼭 잡았어요. "우리가 도와주자!"',
      ],
      extra: ['나뭇잎이 바스락거리고, {place} 전체가 숨을 죽인 것 같았어요.', '{hero|은/는} 가슴을 쭉 펴고 조금 더 씩씩해졌어요.'],
    },
  ],
  journey: [
    {
      id: 'friend',
      titles: ['새 친구', '도와줄 친구'],
      core: [
        '길을 가다가 {child|와/과} {hero|은/는} {friend|을/를} 만났어요.',
        '"내가 도와줄게!" {friend|이/가} 말했어요.',
        '이제 세 친구가 함께 걸었어요.',
      ],
      extra: ['{friend|은/는} 작은 오솔길과 숨은 구석을 모두 알고 있었어요.', '친구가 많아지니 길이 더 짧게 느껴졌어요.'],
    },
    {
      id: 'river',
      titles: ['반짝이는 강', '징검다리'],
      core: [
        '곧 넓고 반짝이는 강이 나타났어요.',
        '{friend|이/가} 징검다리를 하나씩 알려 주었어요.',
        '{child|은/는} 숨을 크게 쉬고 폴짝폴짝 건넜고, {hero}도 뒤따라 건넜어요.',
      ],
      extra: ['강물이 졸졸 흐르며 박수를 치는 것 같았어요.', '건너편에 도착한 친구들은 신발의 물방울을 털며 웃었어요.'],
    },
    {
      id: 'wood',
      titles: ['속삭이는 숲', '나무들 사이로'],
      core: [
        '길은 나무들이 소곤소곤 속삭이는 숲으로 이어졌어요.',
        '{child|은/는} {hero}의 손을 꼭 잡았어요.',
        '둘이 작은 노래를 흥얼거리자 그림자도 무섭지 않았어요.',
      ],
      extra: ['반딧불이가 하나둘 불을 켜고 작은 등불처럼 길을 비춰 주었어요.', '{friend}도 즐거운 목소리로 노래를 따라 불렀어요.'],
    },
    {
      id: 'clue',
      titles: ['반짝이는 발자국', '단서를 찾았어요'],
      core: [
        '그때 {hero|이/가} 단서를 찾았어요. 반짝이는 작은 발자국이었어요!',
        '"따라가 보자!" {friend|이/가} 말했어요.',
        '{child|와/과} {hero|은/는} 발자국을 따라 한 걸음씩 나아갔어요.',
      ],
      extra: ['발자국은 바위를 돌고, 통나무를 넘고, 덤불 아래로 이어졌어요.', '한 걸음마다 {child}의 가슴이 두근두근 설렜어요.'],
    },
    {
      id: 'bird',
      titles: ['아기 새', '친절한 발걸음'],
      core: [
        '가는 길에 작은 울음소리가 들렸어요.',
        '둥지를 잃은 아기 새였어요.',
        '{child|은/는} 아기 새를 조심조심 둥지로 데려다주었고, {hero|은/는} 환하게 웃었어요.',
      ],
      extra: ['엄마 새가 고맙다는 노래를 불러 주었어요.', '바쁜 날에도 누군가를 돕는 일은 참 기뻤어요.'],
    },
  ],
  resolution: [
    {
      id: 'together',
      titles: ['모두 함께', '이제 괜찮아요'],
      core: [
        '마침내 모두 힘을 합쳐 문제를 해결했어요.',
        '{friend|이/가} 박수를 치고, {hero|은/는} {child|을/를} 꼭 안아 주었어요.',
        '별이 반짝이는 조용한 하늘 아래, 모두 집으로 돌아왔어요.',
      ],
      extra: ['{child|은/는} {moral} 것을 배웠어요.', '달님이 다시 평화로워진 {place|을/를} 내려다보며 미소 지었어요.'],
    },
    {
      id: 'home',
      titles: ['다시 집으로', '행복한 끝'],
      core: [
        '{child}의 멋진 생각 덕분에 문제가 해결되었어요.',
        '{place}의 모두가 손뼉을 쳤고, {hero|은/는} 신나게 춤을 추었어요.',
        '해가 천천히, 포근한 금빛으로 저물었어요.',
      ],
      extra: ['{child|은/는} {moral} 것을 배웠어요.', '{friend|은/는} 손을 흔들며 곧 또 놀러 오겠다고 약속했어요.'],
    },
  ],
};

export const SCENES: Record<Language, SceneBook> = { en: EN, ko: KO };

/** How the hero is described (`{adj}`), by age band: simple words for the youngest, richer ones for older children. */
export const ADJECTIVES: Record<Language, Record<AgeBand, string[]>> = {
  en: {
    '3-5': ['happy', 'soft', 'big', 'warm'],
    '6-8': ['cheerful', 'shiny', 'gentle', 'friendly'],
    '9-12': ['glittering', 'marvellous', 'tender-hearted', 'dazzling'],
  },
  ko: {
    '3-5': ['착한', '예쁜', '포근한', '귀여운'],
    '6-8': ['다정한', '반짝이는', '상냥한', '씩씩한'],
    '9-12': ['눈부시게 빛나는', '마음씨 고운', '늠름하고 다정한', '신비로운'],
  },
};

/** How many `extra` sentences each chapter adds, by age band. */
export const EXTRA_SENTENCES: Record<AgeBand, number> = { '3-5': 0, '6-8': 1, '9-12': 2 };

export const MORALS: Record<Language, string[]> = {
  en: ['friends make every path shorter', 'being brave means trying even when you feel small', 'a little kindness can fix a big problem'],
  ko: ['친구와 함께라면 어떤 길도 짧아진다는', '작아도 용기를 내면 해낼 수 있다는', '작은 친절이 큰 문제도 풀 수 있다는'],
};

/** The last line of every story: a calm, sleepy ending. */
export const CALM_ENDINGS: Record<Language, string[]> = {
  en: [
    'That night, {child} fell asleep smiling, dreaming of {place}.',
    'And {child} snuggled into bed, warm and safe, with a sleepy smile.',
  ],
  ko: ['그날 밤, {child|은/는} 미소를 지으며 {place}의 꿈을 꾸었어요.', '{child|은/는} 포근한 이불 속에서 새근새근 잠이 들었어요.'],
};

/** What replaces a sentence the output check refused. */
export const CALM_SENTENCE: Record<Language, string> = {
  en: 'Everyone took a slow, calm breath and smiled.',
  ko: '모두 천천히 숨을 쉬고 서로를 보며 웃었어요.',
};

export const TITLES: Record<Language, string[]> = {
  en: ['{Child} and {Hero}', "{Child}'s Big Day", '{Hero} and the Big Surprise', 'The Adventure of {Child}'],
  ko: ['{child|와/과} {hero}', '{child}의 신나는 하루', '{hero}의 깜짝 모험', '{place}에서 생긴 일'],
};

/** Gentle defaults for what the child did not say. */
export const DEFAULTS: Record<Language, { hero: string; place: string; friend: string; problem: string }> = {
  en: { hero: 'a little fox', place: 'the quiet forest', friend: 'a friendly owl', problem: 'The path home has disappeared!' },
  ko: { hero: '꼬마 여우', place: '조용한 숲', friend: '다정한 부엉이', problem: '집으로 가는 길이 사라졌어!' },
};
